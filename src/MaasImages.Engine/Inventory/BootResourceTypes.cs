using MaasImages.Engine.Layout;

namespace MaasImages.Engine.Inventory;

/// <summary>What a saved boot resource is.</summary>
public enum MaasBootResourceType
{
    /// <summary>An image version: kernel, initrd, squashfs or root-tgz.</summary>
    Image,
    /// <summary>A bootloader product: extracted members (rack) or archives (mirror).</summary>
    Bootloader,
}

/// <summary>One file of a saved boot resource, as found on disk.</summary>
public sealed class MaasBootResourceFile
{
    internal MaasBootResourceFile(string path, string relativePath, long size, bool exists, string? sha256, long? expectedSize,
        string? cacheName, string? source, string? sourcePath)
    {
        Path = path;
        RelativePath = relativePath;
        Size = size;
        Exists = exists;
        Sha256 = sha256;
        ExpectedSize = expectedSize;
        CacheName = cacheName;
        Source = source;
        SourcePath = sourcePath;
    }

    public string Name => System.IO.Path.GetFileName(Path);
    /// <summary>Absolute local path.</summary>
    public string Path { get; }
    /// <summary>Path relative to the snapshot (rack) or the mirror root, '/'-separated.</summary>
    public string RelativePath { get; }
    /// <summary>Bytes on disk (0 when missing).</summary>
    public long Size { get; }
    /// <summary>False when a record says the file belongs here but it is gone.</summary>
    public bool Exists { get; }
    /// <summary>The SHA-256 recorded when it was saved (lower-case hex); null when nothing recorded one.</summary>
    public string? Sha256 { get; }
    /// <summary>The size recorded when it was saved, when known.</summary>
    public long? ExpectedSize { get; }
    /// <summary>Rack: the cache file it is (cache/&lt;name&gt;), when known.</summary>
    public string? CacheName { get; }
    /// <summary>The URL it was fetched from (for a bootloader member: its archive), when recorded.</summary>
    public string? Source { get; }
    /// <summary>Its path relative to the stream root it was fetched from (for a member: its archive's), when known.</summary>
    public string? SourcePath { get; }

    public override string ToString() => Path;
}

/// <summary>
/// One saved image version or bootloader, read from disk (Get-MaasBootResource). Property names
/// are those of MaasImageVersion where the meaning is the same, so Compare-Object -Property works
/// across them.
/// </summary>
public sealed class MaasBootResource
{
    internal MaasBootResource(MaasBootResourceType type, SaveLayout layout, string root, string path, string? snapshot,
        string os, string release, string arch, string subarch, string? kflavor, string label, string productName, string versionName,
        string? contentId, string? bootloaderType, string? releaseVersion, IReadOnlyList<MaasBootResourceFile> files)
    {
        Type = type;
        Layout = layout;
        Root = root;
        Path = path;
        Snapshot = snapshot;
        Os = os;
        Release = release;
        Arch = arch;
        Subarch = subarch;
        Kflavor = kflavor;
        Label = label;
        ProductName = productName;
        VersionName = versionName;
        ContentId = contentId;
        BootloaderType = bootloaderType;
        ReleaseVersion = releaseVersion;
        Files = Formatting.Readable.List(files);
        // Content reached by several paths (hard links, alias folders) counts once.
        TotalSize = files.Where(f => f.Exists).DistinctBy(f => f.Sha256 ?? f.Path, StringComparer.Ordinal).Sum(f => f.Size);
    }

    public MaasBootResourceType Type { get; }
    public string Os { get; }
    public string Release { get; }
    /// <summary>The OS version number (22.04) when the metadata gives it.</summary>
    public string? ReleaseVersion { get; }
    public string Arch { get; }
    public string Subarch { get; }
    public string? Kflavor { get; }
    public string Label { get; }
    public string VersionName { get; }
    public string ProductName { get; }
    public string? ContentId { get; }
    /// <summary>Bootloaders: pxe, uefi, open-firmware.</summary>
    public string? BootloaderType { get; }
    /// <summary>Every file of the resource the tree serves (rack: in each folder it is placed under).</summary>
    public IReadOnlyList<MaasBootResourceFile> Files { get; }
    /// <summary>Rack: the snapshot folder name it lives in (the one current points to). Mirror: null.</summary>
    public string? Snapshot { get; }
    /// <summary>Bytes on disk, each distinct content once.</summary>
    public long TotalSize { get; }
    public SaveLayout Layout { get; }
    /// <summary>Rack: its own folder in the snapshot. Mirror: the folder its files share.</summary>
    public string Path { get; }
    /// <summary>The boot-resources folder or mirror root it was read from.</summary>
    public string Root { get; }

    public override string ToString() => $"{ProductName}@{VersionName}";
}

/// <summary>What Get-MaasBootResource lists: wildcards, several values each (any may match); empty: any.</summary>
public sealed class BootResourceQuery
{
    public IReadOnlyList<string> Os { get; init; } = [];
    /// <summary>Codename or version number.</summary>
    public IReadOnlyList<string> Release { get; init; } = [];
    public IReadOnlyList<string> Arch { get; init; } = [];
    public IReadOnlyList<string> Subarch { get; init; } = [];
    /// <summary>Null: both types.</summary>
    public MaasBootResourceType? Type { get; init; }

    // Compiled on first use, once per query rather than once per resource and pattern (a wildcard is a Regex).
    private (Streams.WildcardMatcher[] Os, Streams.WildcardMatcher[] Release, Streams.WildcardMatcher[] Arch, Streams.WildcardMatcher[] Subarch)? _matchers;

    internal bool Matches(MaasBootResource resource)
    {
        static Streams.WildcardMatcher[] Compile(IReadOnlyList<string> patterns) => patterns.Select(p => new Streams.WildcardMatcher(p)).ToArray();
        static bool Any(Streams.WildcardMatcher[] matchers, params string?[] values) =>
            matchers.Length == 0 || matchers.Any(m => values.Any(v => v is not null && m.IsMatch(v)));
        var (os, release, arch, subarch) = _matchers ??= (Compile(Os), Compile(Release), Compile(Arch), Compile(Subarch));
        return (Type is null || Type == resource.Type) && Any(os, resource.Os) && Any(release, resource.Release, resource.ReleaseVersion)
            && Any(arch, resource.Arch) && Any(subarch, resource.Subarch);
    }
}
