using System.Management.Automation;
using MaasImages.Engine.Inventory;
using MaasImages.PowerShell.Completion;
using MaasImages.PowerShell.Infrastructure;

namespace MaasImages.PowerShell.Commands;

/// <summary>
/// Switches current of a rack boot-resources folder back to an earlier snapshot, atomically and
/// under the destination's lock: the undo for a new image that broke commissioning. Snapshots to
/// go back to exist when saves keep them (Save-MaasImage / Install-MaasBootloader -KeepSnapshots).
/// </summary>
[Cmdlet(VerbsData.Restore, "MaasBootResource", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = PreviousSet)]
[OutputType(typeof(MaasBootSnapshot))]
public sealed class RestoreMaasBootResourceCommand : AsyncPSCmdlet
{
    private const string PreviousSet = "Previous";
    private const string SnapshotSet = "Snapshot";

    /// <summary>The snapshot to switch current to, by name (Get-MaasBootSnapshot's Name binds here).</summary>
    [Parameter(Mandatory = true, ParameterSetName = SnapshotSet, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [ArgumentCompleter(typeof(SnapshotNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Snapshot { get; set; }

    /// <summary>Switch current to the newest snapshot made before the current one (the default).</summary>
    [Parameter(ParameterSetName = PreviousSet)]
    public SwitchParameter Previous { get; set; }

    /// <summary>-Path: the boot-resources folder (the one holding current and snapshot-*), also from piped snapshots' Path.</summary>
    protected override IEnumerable<SharedParameterUse> SharedParameterUses => [SharedParameters.Path.At(0).ByPropertyName(), SharedParameters.LockTimeoutSec, SharedParameters.PassThru];

    public string? Path => Shared.Get<string?>(SharedParameters.Path);

    public int LockTimeoutSec => Shared.Get<int>(SharedParameters.LockTimeoutSec);

    public SwitchParameter PassThru => Shared.Get<SwitchParameter>(SharedParameters.PassThru);

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var root = DestinationPaths.Resolve(this, Path, null);
        var name = ParameterSetName == SnapshotSet ? Snapshot : null;
        // -WhatIf: the same checks as the restore, reading only.
        var planned = BootSnapshots.Plan(root, name);
        var action = planned.IsCurrent
            ? $"Keep current on {planned.Name} (it already points there)"
            : $"Switch current to {planned.Name} ({Engine.Formatting.Counted.Of(planned.ImageCount, "image")}, {Engine.Formatting.Counted.Of(planned.BootloaderCount, "bootloader")})";
        if (!await ShouldProcessAsync(root, action).ConfigureAwait(false)) return;
        var restored = await BootSnapshots.RestoreAsync(root, planned.Name, TimeSpan.FromSeconds(LockTimeoutSec), EmitVerbose, EmitWarning, cancellationToken)
            .ConfigureAwait(false);
        if (PassThru.IsPresent) Emit(restored);
    }
}
