using MaasImages.Engine.Streams;

namespace MaasImages.Engine.Layout.Bootloaders;

/// <summary>
/// Picks bootloader products the way MAAS does: by default only the four it installs (pxelinux
/// pxe/i386, grub-efi-signed uefi/amd64, grub-efi uefi/arm64, grub-ieee1275 open-firmware/ppc64el),
/// newest version each; the pxe/amd64 product and others only with <see cref="BootloaderQuery.All"/>.
/// </summary>
internal static class BootloaderSelection
{
    public const string ArchiveFileType = "archive.tar.xz";

    private static readonly HashSet<(string Os, string Type, string Arch)> MaasDefaults =
    [
        ("pxelinux", "pxe", "i386"),
        ("grub-efi-signed", "uefi", "amd64"),
        ("grub-efi", "uefi", "arm64"),
        ("grub-ieee1275", "open-firmware", "ppc64el"),
    ];

    public static string TypeOf(MaasImageVersion product) => product.Properties.GetValueOrDefault(MaasMeta.BootloaderTypeKey) ?? string.Empty;

    /// <summary>The folder the product's files go to: bootloader/&lt;bootloader-type&gt;/&lt;arch&gt;.</summary>
    public static string Folder(MaasImageVersion product) => $"bootloader/{TypeOf(product)}/{product.Arch}";

    public static bool IsMaasDefault(MaasImageVersion product) => MaasDefaults.Contains((product.Os, TypeOf(product), product.Arch));

    /// <summary>The archives of a product (other item types are not bootloaders).</summary>
    public static IEnumerable<MaasImageFile> Archives(MaasImageVersion product) =>
        product.Files.Where(f => string.Equals(f.FileType, ArchiveFileType, StringComparison.Ordinal));

    /// <summary>
    /// The newest version of each matching product. Two products for one folder (same type and
    /// arch) would overwrite each other's files: the MAAS default wins, else the first by name.
    /// </summary>
    public static List<MaasImageVersion> Select(IEnumerable<MaasImageVersion> versions, BootloaderQuery query, Action<string> warn)
    {
        var types = query.Types.Select(t => new WildcardMatcher(t)).ToArray();
        var arches = query.Arches.Select(a => new WildcardMatcher(a)).ToArray();
        var matching = versions
            .Where(v => TypeOf(v).Length > 0 && v.Arch.Length > 0)
            .GroupBy(v => v.ProductName, StringComparer.Ordinal)
            .Select(g => g.OrderBy(v => v.VersionName, StringComparer.Ordinal).Last())
            .Where(v => query.All || IsMaasDefault(v))
            .Where(v => types.Length == 0 || types.Any(t => t.IsMatch(TypeOf(v))))
            .Where(v => arches.Length == 0 || ArchesOf(v).Any(a => arches.Any(m => m.IsMatch(a))))
            .Where(v => Archives(v).Any());
        var selected = new List<MaasImageVersion>();
        foreach (var folder in matching.GroupBy(Folder, StringComparer.Ordinal))
        {
            var ordered = folder.OrderByDescending(IsMaasDefault).ThenBy(v => v.ProductName, StringComparer.Ordinal).ToList();
            selected.Add(ordered[0]);
            foreach (var other in ordered.Skip(1))
                warn($"Skipping {other.ProductName}: {ordered[0].ProductName} already fills {folder.Key}.");
        }
        return selected.OrderBy(v => v.ProductName, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The literal type and arch values no bootloader of the stream has (any product, not only those
    /// MAAS installs), with the closest known values: a typo would otherwise select nothing silently.
    /// </summary>
    public static IReadOnlyList<UnmatchedValue> Unmatched(IEnumerable<MaasImageVersion> versions, BootloaderQuery query)
    {
        var finder = new UnmatchedValueFinder([("Type", query.Types), ("Arch", query.Arches)]);
        if (!finder.IsNeeded) return [];
        foreach (var version in versions)
        {
            finder.Observe("Type", TypeOf(version));
            foreach (var arch in ArchesOf(version)) finder.Observe("Arch", arch);
        }
        return finder.Unmatched();
    }

    /// <summary>The product's arch plus its <c>arches</c> list (which may hold spaces: "i386, amd64").</summary>
    private static IEnumerable<string> ArchesOf(MaasImageVersion product) =>
        PropertyLists.Split(product.Properties.GetValueOrDefault("arches")).Prepend(product.Arch);
}
