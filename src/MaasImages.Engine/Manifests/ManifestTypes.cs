namespace MaasImages.Engine.Manifests;

/// <summary>Which image a manifest describes (all null for a manifest file read on its own).</summary>
/// <param name="Source">Where the manifest was read from: its URL, or a local path.</param>
public sealed record ManifestImage(string? Os, string? Release, string? Arch, string? Subarch, string? ProductName, string? VersionName, string Source)
{
    /// <summary>How messages and comparisons name it: <c>product@version</c>, else the source.</summary>
    public string Label => ProductName is not null && VersionName is not null ? $"{ProductName}@{VersionName}" : Source;
}

/// <summary>One Debian package of an image (a line of its manifest).</summary>
public sealed class MaasImagePackage
{
    internal MaasImagePackage(ManifestEntry entry, ManifestImage image)
    {
        Name = entry.Name;
        Architecture = entry.Architecture;
        Version = entry.Version;
        Image = image;
    }

    /// <summary>The package name, without <c>:arch</c>.</summary>
    public string Name { get; }
    /// <summary>The <c>:arch</c> of the manifest line (amd64…), or null when the name has none.</summary>
    public string? Architecture { get; }
    /// <summary>Compares by Debian rules, prints as written in the manifest.</summary>
    public DebianVersion Version { get; }
    public string? Os => Image.Os;
    public string? Release => Image.Release;
    /// <summary>The image's architecture.</summary>
    public string? Arch => Image.Arch;
    public string? Subarch => Image.Subarch;
    public string? ProductName => Image.ProductName;
    /// <summary>The image version (20250718…).</summary>
    public string? VersionName => Image.VersionName;
    /// <summary>Where the manifest was read from.</summary>
    public string Manifest => Image.Source;
    /// <summary>The name as the manifest writes it (<c>libc6:amd64</c>).</summary>
    public string QualifiedName => Architecture is null ? Name : $"{Name}:{Architecture}";
    internal ManifestImage Image { get; }

    public override string ToString() => $"{QualifiedName} {Version}";
}

/// <summary>How a package differs between two manifests.</summary>
public enum MaasPackageChangeType
{
    /// <summary>Only in the difference manifest.</summary>
    Added,
    /// <summary>Only in the reference manifest.</summary>
    Removed,
    /// <summary>A newer version (Debian order) in the difference manifest.</summary>
    Upgraded,
    /// <summary>An older version in the difference manifest.</summary>
    Downgraded,
}

/// <summary>One package that differs between a reference and a difference manifest.</summary>
public sealed class MaasImagePackageChange
{
    internal MaasImagePackageChange(string name, string? architecture, MaasPackageChangeType change, DebianVersion? referenceVersion,
        DebianVersion? differenceVersion, string reference, string difference)
    {
        Name = name;
        Architecture = architecture;
        Change = change;
        ReferenceVersion = referenceVersion;
        DifferenceVersion = differenceVersion;
        Reference = reference;
        Difference = difference;
    }

    public string Name { get; }
    public string? Architecture { get; }
    public MaasPackageChangeType Change { get; }
    /// <summary>The version in the reference manifest; null when Added.</summary>
    public DebianVersion? ReferenceVersion { get; }
    /// <summary>The version in the difference manifest; null when Removed.</summary>
    public DebianVersion? DifferenceVersion { get; }
    /// <summary>The reference image (<c>product@version</c>) or manifest.</summary>
    public string Reference { get; }
    /// <summary>The difference image or manifest.</summary>
    public string Difference { get; }
    public string QualifiedName => Architecture is null ? Name : $"{Name}:{Architecture}";

    public override string ToString() => $"{Change} {QualifiedName} {ReferenceVersion?.ToString() ?? "-"} -> {DifferenceVersion?.ToString() ?? "-"}";
}
