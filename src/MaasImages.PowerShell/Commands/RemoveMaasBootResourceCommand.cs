using System.Management.Automation;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Inventory;
using MaasImages.PowerShell.Completion;
using MaasImages.PowerShell.Infrastructure;

namespace MaasImages.PowerShell.Commands;

/// <summary>
/// Removes saved image versions and bootloaders: those piped from Get-MaasBootResource, or those of
/// -Path that the filters select. Rack: a new snapshot without them, current switched atomically.
/// Mirror: their files, state records and empty folders.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "MaasBootResource", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = InputSet)]
[OutputType(typeof(MaasBootResource))]
public sealed class RemoveMaasBootResourceCommand : AsyncPSCmdlet
{
    private const string InputSet = "InputObject";
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    private readonly List<MaasBootResource> _input = [];

    /// <summary>Boot resources from Get-MaasBootResource.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputSet)]
    [ValidateNotNull]
    public MaasBootResource[]? InputObject { get; set; }

    /// <summary>
    /// -Type of this command only, dynamic nonetheless: a static parameter limited to parameter sets
    /// that only dynamic parameters (-Path, -LiteralPath) tell apart leaves PowerShell unable to
    /// choose a set (AmbiguousParameterSet) before it asks for the dynamic ones.
    /// </summary>
    private static readonly SharedParameter TypeFilter = new("Type", typeof(MaasBootResourceType), null,
        "Only images or only bootloaders (default: both).", () => []);

    /// <summary>-Path / -LiteralPath: a rack boot-resources folder or a mirror root.</summary>
    protected override IEnumerable<SharedParameterUse> SharedParameterUses => [SharedParameters.Path.In(PathSet).At(0), SharedParameters.LiteralPath.In(LiteralPathSet), TypeFilter.In(PathSet, LiteralPathSet), SharedParameters.Os.In(PathSet, LiteralPathSet), SharedParameters.Release.In(PathSet, LiteralPathSet), SharedParameters.Arch.In(PathSet, LiteralPathSet), SharedParameters.Subarch.In(PathSet, LiteralPathSet), SharedParameters.KeepSnapshots, SharedParameters.LockTimeoutSec, SharedParameters.PassThru];

    public string? Path => Shared.Get<string?>(SharedParameters.Path);

    public string? LiteralPath => Shared.Get<string?>(SharedParameters.LiteralPath);

    public MaasBootResourceType? Type => Shared.Get<MaasBootResourceType?>(TypeFilter);

    public int KeepSnapshots => Shared.Get<int>(SharedParameters.KeepSnapshots);

    public int LockTimeoutSec => Shared.Get<int>(SharedParameters.LockTimeoutSec);

    public SwitchParameter PassThru => Shared.Get<SwitchParameter>(SharedParameters.PassThru);

    private string? _tree;

    protected override Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        if (ParameterSetName != InputSet) _tree = DestinationPaths.Resolve(this, Path, LiteralPath);
        return Task.CompletedTask;
    }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        if (ParameterSetName == InputSet) _input.AddRange(InputObject ?? []);
        return Task.CompletedTask;
    }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        if (ParameterSetName != InputSet)
        {
            var query = BootResourceFilters.Query(Shared, Type);
            foreach (var warning in TypoWarnings.For(await UnmatchedBootResourceValues.FindAsync(_tree!, query, [], cancellationToken).ConfigureAwait(false),
                         "boot resource", $"'{_tree}'"))
                EmitWarning(warning);
            await RemoveFromAsync(_tree!, query.Matches, cancellationToken).ConfigureAwait(false);
            return;
        }
        foreach (var tree in _input.GroupBy(r => r.Root, StringComparer.Ordinal))
            await RemoveFromAsync(tree.Key, BootResourceRemover.Matching(tree), cancellationToken).ConfigureAwait(false);
    }

    private async Task RemoveFromAsync(string tree, Func<MaasBootResource, bool> selects, CancellationToken cancellationToken)
    {
        // -WhatIf and -Confirm: what is saved now, one question per resource.
        var options = new RemoveOptions { KeepSnapshots = KeepSnapshots, LockTimeout = TimeSpan.FromSeconds(LockTimeoutSec) };
        var planned = await BootResourceRemover.PlanAsync(tree, selects, options, EmitNonTerminating, cancellationToken).ConfigureAwait(false);
        if (planned.Count == 0)
        {
            EmitWarning($"Nothing to remove from '{tree}': none of the selected boot resources is saved there.");
            return;
        }
        var confirmed = new List<MaasBootResource>();
        foreach (var resource in planned)
        {
            var where = resource.Snapshot is null ? tree : $"{tree} ({resource.Snapshot})";
            if (await ShouldProcessAsync($"{resource.ProductName} {resource.VersionName}",
                    $"Remove the {resource.Type.ToString().ToLowerInvariant()} and its {Engine.Formatting.Counted.Of(resource.Files.Count, "file")} from {where}").ConfigureAwait(false))
                confirmed.Add(resource);
        }
        if (confirmed.Count == 0) return;
        var removed = await BootResourceRemover.RemoveAsync(tree, BootResourceRemover.Matching(confirmed), options, EmitVerbose, EmitWarning,
            EmitNonTerminating, cancellationToken).ConfigureAwait(false);
        if (PassThru.IsPresent) Emit(removed, enumerateCollection: true);
    }

    private void EmitNonTerminating(MaasImagesException error) => EmitError(ErrorRecords.From(error));
}
