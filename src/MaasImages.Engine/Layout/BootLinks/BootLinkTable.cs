namespace MaasImages.Engine.Layout.BootLinks;

/// <summary>A link the table asks for. <see cref="Always"/>: made even when its target is missing.</summary>
internal sealed record BootLinkSpec(string Name, string Target, BootLinkKind Kind, bool Always = false);

/// <summary>
/// The root-level links MAAS makes in a TFTP root, exactly (rack-layout.md). Not in it on purpose:
/// mmx64.efi, mmaa64.efi and the other *.c32 (menu.c32, vesamenu.c32), reached through syslinux/.
/// </summary>
internal static class BootLinkTable
{
    private const string Pxe = "bootloader/pxe/i386";

    public static IReadOnlyList<BootLinkSpec> Links { get; } =
    [
        .. new[] { "lpxelinux.0", "chain.c32", "ifcpu64.c32", "ldlinux.c32", "libcom32.c32", "libutil.c32" }
            .Select(name => new BootLinkSpec(name, $"{Pxe}/{name}", BootLinkKind.File)),
        new BootLinkSpec("syslinux", Pxe, BootLinkKind.Directory), // PXELINUX looks in / then /syslinux
        new BootLinkSpec("pxelinux.0", "lpxelinux.0", BootLinkKind.File, Always: true), // old DHCP configs still ask for it
        new BootLinkSpec("bootx64.efi", "bootloader/uefi/amd64/bootx64.efi", BootLinkKind.File),
        new BootLinkSpec("grubx64.efi", "bootloader/uefi/amd64/grubx64.efi", BootLinkKind.File),
        new BootLinkSpec("bootaa64.efi", "bootloader/uefi/arm64/bootaa64.efi", BootLinkKind.File),
        new BootLinkSpec("grubaa64.efi", "bootloader/uefi/arm64/grubaa64.efi", BootLinkKind.File),
        new BootLinkSpec("bootppc64.bin", "bootloader/open-firmware/ppc64el/bootppc64.bin", BootLinkKind.File),
    ];
}
