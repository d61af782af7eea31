using System.Management.Automation;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Layout;
using MaasImages.Engine.Streams;
using MaasImages.PowerShell.Completion;
using MaasImages.PowerShell.Infrastructure;

namespace MaasImages.PowerShell.Commands;

/// <summary>Lists image versions (Ubuntu kernels + squashfs, CentOS root-tgz) of a stream, filtered.</summary>
[Cmdlet(VerbsCommon.Get, "MaasImageVersion", DefaultParameterSetName = SourceSet)]
[OutputType(typeof(MaasImageVersion))]
public sealed class GetMaasImageVersionCommand : StreamReadingCmdlet
{
    private const string StreamSet = "Stream";
    private const string SourceSet = "Source";

    private ImageQuery? _query;

    /// <summary>-Stream: streams from Get-MaasStream; -Source: default the stable stream of images.maas.io.</summary>
    protected override IEnumerable<SharedParameterUse> SharedParameterUses =>
    [
        SharedParameters.Stream.In(StreamSet), SharedParameters.Source.In(SourceSet),
        SharedParameters.Os, SharedParameters.Release.At(0), SharedParameters.Arch, SharedParameters.Subarch, SharedParameters.Kflavor, SharedParameters.Label,
    ];

    public MaasStream[]? Stream => Shared.Get<MaasStream[]?>(SharedParameters.Stream);

    public string? Source => Shared.Get<string?>(SharedParameters.Source);

    public string[]? Os => Shared.Get<string[]?>(SharedParameters.Os);

    public string[]? Release => Shared.Get<string[]?>(SharedParameters.Release);

    public string[]? Arch => Shared.Get<string[]?>(SharedParameters.Arch);

    public string[]? Subarch => Shared.Get<string[]?>(SharedParameters.Subarch);

    public string[]? Kflavor => Shared.Get<string[]?>(SharedParameters.Kflavor);

    public string[]? Label => Shared.Get<string[]?>(SharedParameters.Label);

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? VersionName { get; set; }

    /// <summary>Only the newest matching version of each product (same as -MaxVersions 1).</summary>
    [Parameter]
    public SwitchParameter Latest { get; set; }

    /// <summary>Only the newest N matching versions of each product.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int MaxVersions { get; set; }

    /// <summary>simplestreams filters: key=value, key!=value, key~regex, key!~regex (all must match).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Filter { get; set; }

    protected override Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        ResolveKeyring();
        if (Latest.IsPresent && MyInvocation.BoundParameters.ContainsKey(nameof(MaxVersions)) && MaxVersions != 1)
        {
            ThrowTerminatingError(ErrorRecords.Create("LatestConflictsWithMaxVersions", ErrorCategory.InvalidArgument,
                "-Latest means -MaxVersions 1; pass one or the other.", MaxVersions));
        }
        try
        {
            _query = new ImageQuery
            {
                Os = Os ?? [],
                Release = Release ?? [],
                Arch = Arch ?? [],
                Subarch = Subarch ?? [],
                Kflavor = Kflavor ?? [],
                Label = Label ?? [],
                VersionName = VersionName ?? [],
                MaxVersions = Latest.IsPresent ? 1 : MyInvocation.BoundParameters.ContainsKey(nameof(MaxVersions)) ? MaxVersions : null,
                Filters = (Filter ?? []).Select(FilterExpression.Parse).ToArray(),
            };
        }
        catch (MaasImagesException error)
        {
            ThrowTerminatingError(ErrorRecords.From(error));
        }
        return Task.CompletedTask;
    }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken) =>
        ForEachStreamAsync(ParameterSetName == StreamSet ? Stream ?? [] : null, null, Source,
            stream => ListAsync(stream, cancellationToken), cancellationToken);

    private async Task ListAsync(MaasStream stream, CancellationToken cancellationToken)
    {
        // A typo returns nothing: say which value matched no product of the stream, and what was meant.
        var typos = ImageCriteria.Finder(_query!);
        // Listed with no filter, the stream's values are what completion offers for it from now on.
        var whole = new[] { Os, Release, Arch, Subarch, Kflavor, Label, VersionName, Filter }.All(f => f is null) ? new List<MaasImageVersion>() : null;
        await foreach (var versions in ImageSaver.SelectAsync(stream, _query!, EmitVerbose, EmitError, cancellationToken, typos).ConfigureAwait(false))
        {
            CompletionCatalog.Remember(versions);
            whole?.AddRange(versions.DistinctBy(v => v.ProductName, StringComparer.Ordinal));
            // One hand-over to the pipeline thread per document, not per image.
            Emit(versions, enumerateCollection: true);
        }
        foreach (var warning in TypoWarnings.For(typos.Unmatched(), "image", $"stream '{stream.Name}'")) EmitWarning(warning);
        if (whole is not null) StreamCompletion.RememberWholeStream(stream, whole);
    }
}
