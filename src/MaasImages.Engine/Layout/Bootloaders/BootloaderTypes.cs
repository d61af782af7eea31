using MaasImages.Engine.Streams;

namespace MaasImages.Engine.Layout.Bootloaders;

/// <summary>Which bootloader products Install-MaasBootloader takes from a stream.</summary>
public sealed class BootloaderQuery
{
    /// <summary>bootloader-type values (pxe, uefi, open-firmware); wildcards allowed. Empty: any.</summary>
    public IReadOnlyList<string> Types { get; init; } = [];
    /// <summary>Architectures; a product matches on its <c>arch</c> or any of its <c>arches</c>. Empty: any.</summary>
    public IReadOnlyList<string> Arches { get; init; } = [];
    /// <summary>Every bootloader product, not only the four MAAS installs.</summary>
    public bool All { get; init; }
}

/// <summary>One bootloader product as installed: where its files are.</summary>
public sealed class MaasBootloader
{
    internal MaasBootloader(MaasImageVersion product, SaveLayout layout, string path, IReadOnlyList<string> files)
    {
        Product = product;
        Layout = layout;
        Path = path;
        Files = Formatting.Readable.List(files);
    }

    internal MaasImageVersion Product { get; }
    /// <summary>The bootloader's os (pxelinux, grub-efi-signed, grub-efi, grub-ieee1275).</summary>
    public string Os => Product.Os;
    /// <summary>The bootloader-type (pxe, uefi, open-firmware).</summary>
    public string Type => BootloaderSelection.TypeOf(Product);
    public string Arch => Product.Arch;
    /// <summary>The version name (e.g. 20250715.0).</summary>
    public string Version => Product.VersionName;
    public string ProductName => Product.ProductName;
    public SaveLayout Layout { get; }
    /// <summary>Rack: bootloader/&lt;type&gt;/&lt;arch&gt; in the snapshot. Mirror: the mirror root.</summary>
    public string Path { get; }
    /// <summary>Absolute paths: the extracted files (Rack) or the archives (Mirror).</summary>
    public IReadOnlyList<string> Files { get; }

    public override string ToString() => $"{Os} {Type}/{Arch} {Version} -> {Path}";
}
