using System.Management.Automation;
using MaasImages.Engine.Inventory;
using MaasImages.PowerShell.Completion;
using MaasImages.PowerShell.Infrastructure;

namespace MaasImages.PowerShell.Commands;

/// <summary>
/// Lists the snapshots of a rack boot-resources folder, newest first, from disk only: what
/// Restore-MaasBootResource can switch current back to (pipe them into it).
/// </summary>
[Cmdlet(VerbsCommon.Get, "MaasBootSnapshot", DefaultParameterSetName = "Path")]
[OutputType(typeof(MaasBootSnapshot))]
public sealed class GetMaasBootSnapshotCommand : AsyncPSCmdlet
{
    /// <summary>The boot-resources folder (the one holding current and snapshot-*). Wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Path", ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>The boot-resources folder, taken literally (no wildcards).</summary>
    [Parameter(Mandatory = true, ParameterSetName = "LiteralPath")]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string? LiteralPath { get; set; }

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
        if (!Directory.Exists(root))
        {
            ThrowTerminatingError(ErrorRecords.Create("FolderNotFound", ErrorCategory.ObjectNotFound,
                $"'{root}' does not exist. Pass a boot-resources folder (the one holding current and snapshot-*).", root));
        }
        var patterns = (Name ?? []).Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
        foreach (var snapshot in BootSnapshots.List(root))
        {
            if (Current.IsPresent && !snapshot.IsCurrent) continue;
            if (patterns.Count > 0 && !patterns.Any(p => p.IsMatch(snapshot.Name))) continue;
            Emit(snapshot);
        }
        return Task.CompletedTask;
    }
}
