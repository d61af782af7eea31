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

    /// <summary>https://&lt;account&gt;.blob.core.windows.net/&lt;container&gt;[/&lt;prefix&gt;], optionally with a SAS.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNull]
    public Uri? ContainerUri { get; set; }

    /// <summary>A storage connection string (default: $env:AZURE_STORAGE_CONNECTION_STRING); unused when the URI has a SAS.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Blob: anonymous read of the blobs of a container this command creates. None (default): private.
    /// An existing container keeps its access level; when it differs from the one given, a warning says so.
    /// </summary>
    [Parameter]
    [ValidateSet("None", "Blob")]
    public string PublicAccess { get; set; } = "None";

    /// <summary>-Path / -LiteralPath: the mirror root (the folder holding streams/).</summary>
    protected override IEnumerable<SharedParameterUse> SharedParameterUses =>
    [
        SharedParameters.Path.In(PathSet).At(0), SharedParameters.LiteralPath.In(LiteralPathSet),
        SharedParameters.Prune, SharedParameters.ThrottleLimit, SharedParameters.LockTimeoutSec, SharedParameters.PassThru,
    ];

    public string? Path => Shared.Get<string?>(SharedParameters.Path);

    public string? LiteralPath => Shared.Get<string?>(SharedParameters.LiteralPath);

    public SwitchParameter Prune => Shared.Get<SwitchParameter>(SharedParameters.Prune);

    public int ThrottleLimit => Shared.Get<int>(SharedParameters.ThrottleLimit);

    public int LockTimeoutSec => Shared.Get<int>(SharedParameters.LockTimeoutSec);

    public SwitchParameter PassThru => Shared.Get<SwitchParameter>(SharedParameters.PassThru);

    protected override string? IoFailureTarget => _root;
    private string? _root;

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        _root = DestinationPaths.Resolve(this, Path, LiteralPath);
        // A connection string given here wins over AZURE_STORAGE_CONNECTION_STRING, which the store reads otherwise.
        var store = MirrorStores.Open(ContainerUri!, ConnectionString);
        return PublishAsync(_root, store, cancellationToken);
    }

    private async Task PublishAsync(string root, IMirrorStore store, CancellationToken cancellationToken)
    {
        var options = new PublishOptions
        {
            Prune = Prune.IsPresent,
            // Only when given: an existing container whose level differs from it gets a warning.
            PublicRead = MyInvocation.BoundParameters.ContainsKey(nameof(PublicAccess)) ? PublicAccess == "Blob" : null,
            ThrottleLimit = ThrottleLimit,
            LockTimeout = TimeSpan.FromSeconds(LockTimeoutSec),
        };
        EmitVerbose($"Comparing the mirror '{root}' with {store.Location}.");
        var observer = new TransferProgress($"Publishing to {store.Location}", EmitProgress, EmitVerbose, EmitWarning, EmitErrorAndWait);
        var publication = await MirrorPublisher.PublishAsync(root, store, options, plan =>
        {
            var action = $"Upload {Engine.Formatting.Counted.Of(plan.Uploads.Count, "file")} ({ByteSize.Format(plan.UploadBytes)}), skip {plan.Unchanged.Count} unchanged" +
                (plan.ContainerMissing ? ", create the container" : "") +
                (options.Prune ? $", then delete {Engine.Formatting.Counted.Of(plan.Deletions.Count, "blob")} the mirror no longer has" : "");
            return ShouldProcessAsync(store.Location, action);
        }, observer, cancellationToken).ConfigureAwait(false);
        if (publication is null) return;
        if (PassThru.IsPresent) Emit(publication.Objects, enumerateCollection: true);
        else Emit(publication);
    }
}
