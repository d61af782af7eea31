using System.Management.Automation;
using MaasImages.Engine.Inventory;
using MaasImages.PowerShell.Completion;
using MaasImages.PowerShell.Infrastructure;

namespace MaasImages.PowerShell.Commands;

/// <summary>
/// Lists the snapshots of a rack boot-resources folder, newest first, from disk only: what
/// Restore-MaasBootResource can switch current back to (pipe them into it).
/// </summary>
[Cmdlet(VerbsCommon.Get, "MaasBootSnapshot", DefaultParameterSetName = PathSet)]
[OutputType(typeof(MaasBootSnapshot))]
public sealed class GetMaasBootSnapshotCommand : AsyncPSCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    /// <summary>The boot-resources folder (the one holding current and snapshot-*); -Path also from piped objects' Path.</summary>
    protected override IEnumerable<SharedParameterUse> SharedParameterUses =>
        [SharedParameters.Path.In(PathSet).At(0).ByPropertyName(), SharedParameters.LiteralPath.In(LiteralPathSet)];

    public string? Path => Shared.Get<string?>(SharedParameters.Path);

    public string? LiteralPath => Shared.Get<string?>(SharedParameters.LiteralPath);

    /// <summary>Only snapshots whose name matches (wildcards).</summary>
    [Parameter]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(SnapshotNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Only the snapshot current points to.</summary>
    [Parameter]
    public SwitchParameter Current { get; set; }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var root = DestinationPaths.Resolve(this, Path, LiteralPath);
        var patterns = (Name ?? []).Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
        // A folder that does not exist ends the command (FolderNotFound): the engine checks it.
        foreach (var snapshot in BootSnapshots.ListExisting(root))
        {
            if (Current.IsPresent && !snapshot.IsCurrent) continue;
            if (patterns.Count > 0 && !patterns.Any(p => p.IsMatch(snapshot.Name))) continue;
            Emit(snapshot);
        }
        return Task.CompletedTask;
    }
}
