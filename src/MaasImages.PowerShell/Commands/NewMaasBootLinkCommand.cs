using System.Management.Automation;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Layout;
using MaasImages.Engine.Layout.BootLinks;
using MaasImages.Engine.Platform;
using MaasImages.Engine.Transfer;
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

    /// <summary>Seconds to wait for another run that holds the destination (the same default as the other writers).</summary>
    [Parameter]
    [ValidateRange(0, 86400)]
    public int LockTimeoutSec { get; set; } = TransferParameters.DefaultLockTimeoutSec;

    /// <summary>Replace a regular file or folder that sits where a link belongs.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var folder = DestinationPaths.Resolve(this, Path, LiteralPath);
        _folder = folder;
        // Given boot-resources itself, work where TFTP looks: its current snapshot.
        var current = System.IO.Path.Combine(folder, "current");
        if (!Directory.Exists(System.IO.Path.Combine(folder, "bootloader")) && Directory.Exists(current))
        {
            WriteVerbose($"'{folder}' is a boot-resources folder: making the links in '{current}'.");
            folder = current;
        }
        if (FindEscapingLink(folder) is { } problem)
        {
            ThrowTerminatingError(ErrorRecords.From(new UnsafeDestinationException(folder, problem)));
        }
        if (!Directory.Exists(folder))
        {
            ThrowTerminatingError(ErrorRecords.Create("FolderNotFound", ErrorCategory.ObjectNotFound,
                $"'{folder}' does not exist. Pass a snapshot folder or boot-resources/current.", folder));
        }
        return MakeLinksAsync(folder, cancellationToken);
    }

    /// <summary>
    /// Why the links must not be made in <paramref name="folder"/>, or null. A <c>current</c> (or any
    /// folder given) that is itself a symbolic link is followed only when it is a <c>current</c>
    /// pointing at a real snapshot beside it: otherwise the links would land wherever it points.
    /// </summary>
    private static string? FindEscapingLink(string folder)
    {
        var trimmed = System.IO.Path.TrimEndingDirectorySeparator(folder);
        if (new FileInfo(trimmed).LinkTarget is not { } target) return null;
        var parent = System.IO.Path.GetDirectoryName(trimmed);
        if (System.IO.Path.GetFileName(trimmed) == "current" && parent is not null
            && RackSnapshots.IgnoredCurrent(parent) is null && RackSnapshots.ResolveCurrent(parent) is not null)
        {
            return null;
        }
        return $"'{trimmed}' is a symbolic link to '{target}', not a current pointing at a snapshot beside it, so the boot links would be written outside the destination";
    }

    /// <summary>
    /// The boot-resources folder a snapshot (or current) belongs to is where every writer locks;
    /// a folder outside such a tree is locked itself.
    /// </summary>
    private static string LockFolder(string folder)
    {
        var parent = System.IO.Path.GetDirectoryName(System.IO.Path.TrimEndingDirectorySeparator(folder));
        return parent is not null && (File.Exists(System.IO.Path.Combine(parent, DestinationLock.FileName)) || Directory.Exists(System.IO.Path.Combine(parent, "current")))
            ? parent
            : folder;
    }

    private async Task MakeLinksAsync(string folder, CancellationToken cancellationToken)
    {
        // Like the other writers: never while Save-MaasImage or Install-MaasBootloader builds or switches a snapshot.
        using var destinationLock = await DestinationLock.AcquireAsync(LockFolder(folder), TimeSpan.FromSeconds(LockTimeoutSec), EmitWarning, cancellationToken)
            .ConfigureAwait(false);
        var changes = IoFailures.Guard(folder, () => BootLinkMaker.Plan(folder, Force.IsPresent));
        try
        {
            BootLinkMaker.EnsureNothingInTheWay(changes, Force.IsPresent);
        }
        catch (LinkPathOccupiedException error)
        {
            EmitError(ErrorRecords.From(error));
            return;
        }
        foreach (var change in changes)
        {
            BootLinkMaker.Warn(change, EmitWarning);
            if (change.ChangesDisk)
            {
                var action = change.Status == BootLinkStatus.Missing
                    ? "Remove dangling link (target missing)"
                    : $"{(change.Occupied ? "Replace with" : change.Status == BootLinkStatus.Created ? "Create" : "Update")} symbolic link -> {change.Target}";
                if (!await ShouldProcessAsync(change.Path, action).ConfigureAwait(false)) continue;
            }
            Emit(IoFailures.Guard(folder, () => BootLinkMaker.Apply(change)));
        }
    }
}
