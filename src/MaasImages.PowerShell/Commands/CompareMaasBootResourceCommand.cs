using System.Management.Automation;
using MaasImages.Engine.Inventory;
using MaasImages.Engine.Streams;
using MaasImages.PowerShell.Infrastructure;

namespace MaasImages.PowerShell.Commands;

/// <summary>
/// Compares what is saved in a rack tree or mirror with the image versions from the pipeline: one
/// result per product, UpToDate, UpdateAvailable, NotSaved or LocalOnly. Reads the disk only.
/// </summary>
[Cmdlet(VerbsData.Compare, "MaasBootResource", DefaultParameterSetName = PathSet)]
[OutputType(typeof(MaasBootResourceComparison))]
public sealed class CompareMaasBootResourceCommand : AsyncPSCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    private readonly List<MaasImageVersion> _upstream = [];
    private string? _folder;

    /// <summary>Upstream image versions from Get-MaasImageVersion.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public MaasImageVersion[]? InputObject { get; set; }

    /// <summary>A boot-resources folder (or a snapshot, or current) or a mirror root.</summary>
    protected override IEnumerable<SharedParameterUse> SharedParameterUses =>
        [SharedParameters.Path.In(PathSet).At(0), SharedParameters.LiteralPath.In(LiteralPathSet)];

    public string? Path => Shared.Get<string?>(SharedParameters.Path);

    public string? LiteralPath => Shared.Get<string?>(SharedParameters.LiteralPath);

    protected override Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        _folder = DestinationPaths.Resolve(this, Path, LiteralPath);
        return Task.CompletedTask;
    }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        _upstream.AddRange(InputObject ?? []);
        return Task.CompletedTask;
    }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var local = await BootResourceInventory.GetAsync(_folder!, new BootResourceQuery { Type = MaasBootResourceType.Image },
            error => EmitError(ErrorRecords.From(error)), cancellationToken).ConfigureAwait(false);
        Emit(BootResourceComparer.Compare(_upstream, local), enumerateCollection: true);
    }
}
