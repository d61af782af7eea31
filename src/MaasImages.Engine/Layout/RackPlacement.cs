using MaasImages.Engine.Streams;

namespace MaasImages.Engine.Layout;

/// <summary>Where a MAAS rack controller puts an image (rack-layout.md "Tree"), and its maas.meta entry.</summary>
internal static class RackPlacement
{
    /// <summary>Item types a rack controller downloads; manifests are not among them.</summary>
    private static readonly HashSet<string> RackFileTypes = new(StringComparer.Ordinal)
    {
        "boot-kernel", "boot-initrd", "boot-dtb", "squashfs", "root-tgz", "root-tbz", "root-txz", "root-image.gz", "root-dd",
        "root-dd.gz", "root-dd.xz", "root-dd.bz2", "root-dd.raw", "root-dd.tar", "root-dd.tar.xz",
    };

    public static IEnumerable<MaasImageFile> Files(MaasImageVersion image) => image.Files.Where(f => RackFileTypes.Contains(f.FileType));

    public static string Kflavor(MaasImageVersion image) => string.IsNullOrEmpty(image.Kflavor) ? "generic" : image.Kflavor!;

    /// <summary>
    /// The subarch folders the image goes under: its own (a non-generic flavour folded in, e.g.
    /// ga-22.04-lowlatency), plus <c>generic</c> for generic ga-*/hwe-&lt;letter&gt; kernels, plus
    /// the rolling alias for products marked rolling.
    /// </summary>
    public static IReadOnlyList<string> SubarchFolders(MaasImageVersion image)
    {
        var kflavor = Kflavor(image);
        var own = string.IsNullOrEmpty(image.Subarch) ? "generic" : image.Subarch;
        var folders = new List<string> { kflavor == "generic" || own.EndsWith("-" + kflavor, StringComparison.Ordinal) ? own : $"{own}-{kflavor}" };
        if (kflavor == "generic" && own != "generic" && image.Release.Length > 0 &&
            (own.StartsWith("ga-", StringComparison.Ordinal) || own == $"hwe-{image.Release[0]}"))
            folders.Add("generic");
        if (image.Properties.TryGetValue("rolling", out var rolling) && rolling is "true" or "True" && own.Contains('-', StringComparison.Ordinal))
            folders.Add(own[..own.IndexOf('-', StringComparison.Ordinal)] + "-rolling");
        return folders.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>os/arch/subarch/release/label, relative to a snapshot.</summary>
    public static string Folder(MaasImageVersion image, string subarchFolder) =>
        string.Join('/', image.Os, image.Arch, subarchFolder, image.Release, image.Label);
}
