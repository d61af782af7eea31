using System.Management.Automation;
using MaasImages.Engine.Inventory;
using MaasImages.PowerShell.Completion;
using MaasImages.PowerShell.Infrastructure;

namespace MaasImages.PowerShell.Commands;

/// <summary>
/// Lists what is saved in a rack boot-resources tree or a mirror, from disk only: one object per
/// image version and per bootloader, with its files and their recorded sha256.
/// </summary>
[Cmdlet(VerbsCommon.Get, "MaasBootResource", DefaultParameterSetName = PathSet)]
[OutputType(typeof(MaasBootResource))]
public sealed class GetMaasBootResourceCommand : AsyncPSCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    /// <summary>Image or Bootloader; both when absent.</summary>
    [Parameter]
    public MaasBootResourceType Type { get; set; }

    /// <summary>-Path / -LiteralPath: a boot-resources folder (or a snapshot, or current) or a mirror root.</summary>
    protected override IEnumerable<SharedParameterUse> SharedParameterUses =>
    [
        SharedParameters.Path.In(PathSet).At(0), SharedParameters.LiteralPath.In(LiteralPathSet),
        SharedParameters.Os, SharedParameters.Release.At(1), SharedParameters.Arch, SharedParameters.Subarch,
    ];

    public string? Path => Shared.Get<string?>(SharedParameters.Path);

    public string? LiteralPath => Shared.Get<string?>(SharedParameters.LiteralPath);

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var folder = DestinationPaths.Resolve(this, Path, LiteralPath);
        var query = BootResourceFilters.Query(Shared, MyInvocation.BoundParameters.ContainsKey(nameof(Type)) ? Type : null);
        return ListAsync(folder, query, cancellationToken);
    }

    private async Task ListAsync(string folder, BootResourceQuery query, CancellationToken cancellationToken)
    {
        var resources = await BootResourceInventory.GetAsync(folder, query, error => EmitError(ErrorRecords.From(error)), cancellationToken)
            .ConfigureAwait(false);
        CompletionCatalog.Remember(resources);
        Emit(resources, enumerateCollection: true);
        foreach (var warning in TypoWarnings.For(await UnmatchedBootResourceValues.FindAsync(folder, query, resources, cancellationToken).ConfigureAwait(false),
                     "boot resource", $"'{folder}'"))
            EmitWarning(warning);
    }
}
