using System.Management.Automation;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Layout.BootLinks;
using MaasImages.PowerShell.Infrastructure;

namespace MaasImages.PowerShell.Commands;

/// <summary>
/// Makes the root-level links of a TFTP root (pxelinux.0, bootx64.efi, syslinux/…) in a snapshot
/// or <c>current</c>, as MAAS does: relative, each replaced atomically, Unchanged on a re-run.
/// </summary>
[Cmdlet(VerbsCommon.New, "MaasBootLink", SupportsShouldProcess = true, DefaultParameterSetName = "Path")]
[Alias("New-MaasBootLinks")]
[OutputType(typeof(MaasBootLink))]
public sealed class NewMaasBootLinkCommand : AsyncPSCmdlet
{
    /// <summary>The snapshot or <c>current</c> folder (a boot-resources folder means its current). Wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Path")]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>The snapshot or <c>current</c> folder, taken literally (no wildcards).</summary>
    [Parameter(Mandatory = true, ParameterSetName = "LiteralPath")]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string? LiteralPath { get; set; }

    private string? _folder;

    protected override string? IoFailureTarget => _folder;

    protected override IEnumerable<SharedParameterUse> SharedParameterUses => [SharedParameters.LockTimeoutSec, SharedParameters.Force];

    public int LockTimeoutSec => Shared.Get<int>(SharedParameters.LockTimeoutSec);

    public SwitchParameter Force => Shared.Get<SwitchParameter>(SharedParameters.Force);

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        _folder = DestinationPaths.Resolve(this, Path, LiteralPath);
        return MakeLinksAsync(_folder, cancellationToken);
    }

    private async Task MakeLinksAsync(string folder, CancellationToken cancellationToken)
    {
        try
        {
            await BootLinkMaker.MakeAsync(folder, Force.IsPresent, TimeSpan.FromSeconds(LockTimeoutSec), EmitVerbose, EmitWarning,
                ShouldProcessAsync, link => Emit(link), cancellationToken).ConfigureAwait(false);
        }
        catch (LinkPathOccupiedException error)
        {
            // Nothing changed; the next folder down the pipeline may still be fine.
            EmitError(ErrorRecords.From(error));
        }
    }
}
