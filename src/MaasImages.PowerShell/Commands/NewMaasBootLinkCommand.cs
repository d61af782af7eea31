using System.Management.Automation;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Layout.BootLinks;
using MaasImages.PowerShell.Infrastructure;

namespace MaasImages.PowerShell.Commands;

/// <summary>
/// Makes the root-level links of a TFTP root (pxelinux.0, bootx64.efi, syslinux/…) in a snapshot
/// or <c>current</c>, as MAAS does: relative, each replaced atomically, Unchanged on a re-run.
/// </summary>
[Cmdlet(VerbsCommon.New, "MaasBootLink", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[Alias("New-MaasBootLinks")]
[OutputType(typeof(MaasBootLink))]
public sealed class NewMaasBootLinkCommand : AsyncPSCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    private string? _folder;

    protected override string? IoFailureTarget => _folder;

    /// <summary>-Path / -LiteralPath: the snapshot or <c>current</c> folder (a boot-resources folder means its current).</summary>
    protected override IEnumerable<SharedParameterUse> SharedParameterUses =>
        [SharedParameters.Path.In(PathSet).At(0), SharedParameters.LiteralPath.In(LiteralPathSet), SharedParameters.LockTimeoutSec, SharedParameters.Force];

    public string? Path => Shared.Get<string?>(SharedParameters.Path);

    public string? LiteralPath => Shared.Get<string?>(SharedParameters.LiteralPath);

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
