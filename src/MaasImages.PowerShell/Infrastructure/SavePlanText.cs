using MaasImages.Engine.Layout;
using MaasImages.Engine.Layout.Bootloaders;
using MaasImages.Engine.Streams;

namespace MaasImages.PowerShell.Infrastructure;

/// <summary>
/// What Save-MaasImage and Install-MaasBootloader say before they start (the -WhatIf and -Confirm
/// text): one line with the figures, then one line per image or bootloader (new, updated or
/// unchanged); and with -WhatIf -Verbose, one line per file to fetch.
/// </summary>
internal static class SavePlanText
{
    /// <param name="bootloaders">Install-MaasBootloader's plan, else Save-MaasImage's.</param>
    public static string Describe(SavePlanSummary plan, bool bootloaders, int count, SaveLayout layout, string destination)
    {
        var head = bootloaders ? $"Install {Counted.Of(count, "bootloader")}" : $"Save {Counted.Of(count, "image version")}";
        head += $" ({layout}) to '{destination}': ";
        if (plan.NothingChanged) head += "everything is already there, nothing to fetch.";
        else
        {
            head += plan.FilesToFetch == 0 ? "fetch nothing" : $"fetch {plan.FilesToFetch} of {Counted.Of(plan.Files, "file")}, {ByteSize.Format(plan.BytesToFetch)}";
            if (plan.FilesToResume > 0)
                head += $" (resume {Counted.Of(plan.FilesToResume, "file")}: {ByteSize.Format(plan.BytesAlreadyHere)} already here)";
            head += $"; reuse {Counted.Of(plan.FilesReused, "file")}, {ByteSize.Format(plan.BytesReused)}";
            if (plan.FilesToVerify > 0)
                head += $", of which -Force re-hashes {Counted.Of(plan.FilesToVerify, "file")}, {ByteSize.Format(plan.BytesToVerify)} (a file found wrong is fetched again)";
            head += ".";
        }
        var lines = plan.Items.Select(p => $"{Environment.NewLine}  {Status(p),-9}  {Name(p.Item, bootloaders)}{(p.Change == PlannedChange.Updated && p.PreviousVersion != p.Item.VersionName ? $" (was {p.PreviousVersion})" : "")}");
        return head + string.Concat(lines);
    }

    /// <summary>The -WhatIf -Verbose lines: each file to fetch, with what a partial file already holds.</summary>
    public static IEnumerable<string> Fetches(SavePlanSummary plan) =>
        plan.Fetches.Select(f =>
        {
            var resumable = Engine.Transfer.FileFetcher.ResumableLength(f);
            return resumable > 0
                ? $"Would fetch {f.Name}: {ByteSize.Format(f.Size)}, resuming ({ByteSize.Format(resumable)} already here)."
                : $"Would fetch {f.Name}: {ByteSize.Format(f.Size)}.";
        });

    private static string Status(PlannedItem item) => item.Change switch
    {
        PlannedChange.New => "new",
        PlannedChange.Updated => "updated",
        _ => "unchanged",
    };

    /// <summary>An image as "ubuntu noble amd64 ga-24.04 20250718" (a flavour other than generic added to the subarch); a bootloader as "grub-efi-signed uefi/amd64 20250715.0".</summary>
    private static string Name(MaasImageVersion item, bool bootloader) =>
        bootloader
            ? $"{item.Os} {BootloaderSelection.TypeOf(item)}/{item.Arch} {item.VersionName}"
            : $"{item.Os} {item.Release} {item.Arch} {item.Subarch}{(item.Kflavor is { Length: > 0 } k && k != "generic" ? "-" + k : "")} {item.VersionName}";
}
