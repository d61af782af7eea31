using System.Management.Automation;
using MaasImages.Engine.Publishing;
using MaasImages.Engine.Streams;
using MaasImages.PowerShell.Infrastructure;

namespace MaasImages.PowerShell.Commands;

/// <summary>
/// Publishes a local mirror (Save-MaasImage / Install-MaasBootloader -Layout Mirror) to an Azure
/// Blob Storage container, where every MAAS region can read it over HTTPS: payload files first,
/// products documents next, the index last, -Prune deletions after the new index; unchanged files skipped.
/// </summary>
[Cmdlet(VerbsData.Publish, "MaasMirror", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[OutputType(typeof(MaasMirrorPublication), typeof(MaasPublishedObject))]
public sealed class PublishMaasMirrorCommand : AsyncPSCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    /// <summary>The mirror root (the folder holding streams/). Wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>The mirror root, taken literally.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string? LiteralPath { get; set; }

    /// <summary>https://&lt;account&gt;.blob.core.windows.net/&lt;container&gt;[/&lt;prefix&gt;], optionally with a SAS.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNull]
    public Uri? ContainerUri { get; set; }

    /// <summary>A storage connection string (default: $env:AZURE_STORAGE_CONNECTION_STRING); unused when the URI has a SAS.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ConnectionString { get; set; }

    /// <summary>Blob: anonymous read of the blobs of a container this command creates. None (default): private.</summary>
    [Parameter]
    [ValidateSet("None", "Blob")]
    public string PublicAccess { get; set; } = "None";

    protected override IEnumerable<SharedParameterUse> SharedParameterUses => [SharedParameters.Prune, SharedParameters.ThrottleLimit, SharedParameters.PassThru];

    public SwitchParameter Prune => Shared.Get<SwitchParameter>(SharedParameters.Prune);

    public int ThrottleLimit => Shared.Get<int>(SharedParameters.ThrottleLimit);

    public SwitchParameter PassThru => Shared.Get<SwitchParameter>(SharedParameters.PassThru);

    protected override string? IoFailureTarget => _root;
    private string? _root;

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        _root = DestinationPaths.Resolve(this, Path, LiteralPath);
        var connectionString = ConnectionString ?? Environment.GetEnvironmentVariable("AZURE_STORAGE_CONNECTION_STRING");
        var store = MirrorStores.Open(ContainerUri!, connectionString);
        return PublishAsync(_root, store, cancellationToken);
    }

    private async Task PublishAsync(string root, IMirrorStore store, CancellationToken cancellationToken)
    {
        var options = new PublishOptions { Prune = Prune.IsPresent, PublicRead = PublicAccess == "Blob", ThrottleLimit = ThrottleLimit };
        EmitVerbose($"Comparing the mirror '{root}' with {store.Location}.");
        var plan = await MirrorPublisher.PlanAsync(root, store, options, cancellationToken).ConfigureAwait(false);
        var action = $"Upload {Engine.Formatting.Counted.Of(plan.Uploads.Count, "file")} ({ByteSize.Format(plan.UploadBytes)}), skip {plan.Unchanged.Count} unchanged" +
            (plan.ContainerMissing ? ", create the container" : "") +
            (options.Prune ? $", then delete {Engine.Formatting.Counted.Of(plan.Deletions.Count, "blob")} the mirror no longer has" : "");
        if (!await ShouldProcessAsync(store.Location, action).ConfigureAwait(false)) return;
        var observer = new TransferProgress($"Publishing to {store.Location}", EmitProgress, EmitVerbose, EmitWarning, EmitErrorAndWait);
        var publication = await MirrorPublisher.PublishAsync(plan, options, observer, cancellationToken).ConfigureAwait(false);
        if (PassThru.IsPresent) Emit(publication.Objects, enumerateCollection: true);
        else Emit(publication);
    }
}
