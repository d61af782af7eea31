using MaasImages.Engine.Streams;

namespace MaasImages.Engine.Inventory;

/// <summary>Where a product stands between what is saved and what upstream offers.</summary>
public enum MaasBootResourceStatus
{
    /// <summary>The newest version upstream offers is saved (or a newer one).</summary>
    UpToDate,
    /// <summary>An older version is saved: upstream has a newer one.</summary>
    UpdateAvailable,
    /// <summary>Upstream offers it; nothing of it is saved.</summary>
    NotSaved,
    /// <summary>Saved, but not among the upstream versions compared.</summary>
    LocalOnly,
}

/// <summary>
/// One product compared (Compare-MaasBootResource). <see cref="Upstream"/> is the upstream
/// version, so <c>Where-Object Status -eq UpdateAvailable | Save-MaasImage</c> saves exactly the
/// updates: Save-MaasImage binds it by property name.
/// </summary>
public sealed class MaasBootResourceComparison
{
    internal MaasBootResourceComparison(string productName, MaasBootResourceStatus status, MaasImageVersion? upstream, MaasBootResource? local)
    {
        ProductName = productName;
        Status = status;
        Upstream = upstream;
        Local = local;
    }

    public string ProductName { get; }
    public MaasBootResourceStatus Status { get; }
    /// <summary>The newest version saved, or null.</summary>
    public string? LocalVersion => Local?.VersionName;
    /// <summary>The newest version upstream offers among those compared, or null.</summary>
    public string? UpstreamVersion => Upstream?.VersionName;
    public string Os => Upstream?.Os ?? Local!.Os;
    public string Release => Upstream?.Release ?? Local!.Release;
    public string Arch => Upstream?.Arch ?? Local!.Arch;
    public string Subarch => Upstream?.Subarch ?? Local!.Subarch;
    public string? Kflavor => Upstream is not null ? Upstream.Kflavor : Local!.Kflavor;
    public string Label => Upstream?.Label ?? Local!.Label;
    /// <summary>The newest upstream version compared (Save-MaasImage binds it by this name); null for LocalOnly.</summary>
    public MaasImageVersion? Upstream { get; }
    /// <summary>The newest saved version, or null for NotSaved.</summary>
    public MaasBootResource? Local { get; }

    public override string ToString() => $"{ProductName}: {Status}";
}

/// <summary>Compares saved resources with upstream versions, product by product.</summary>
public static class BootResourceComparer
{
    /// <summary>
    /// One result per product of either side, ordered by product name: the newest upstream version
    /// against the newest saved one (versions compare as MAAS orders them, by name).
    /// </summary>
    public static IReadOnlyList<MaasBootResourceComparison> Compare(IEnumerable<MaasImageVersion> upstream, IEnumerable<MaasBootResource> local)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        ArgumentNullException.ThrowIfNull(local);
        var offered = upstream.GroupBy(u => u.ProductName, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.MaxBy(u => u.VersionName, StringComparer.Ordinal)!, StringComparer.Ordinal);
        var saved = local.GroupBy(l => l.ProductName, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.MaxBy(l => l.VersionName, StringComparer.Ordinal)!, StringComparer.Ordinal);
        var results = new List<MaasBootResourceComparison>();
        foreach (var product in offered.Keys.Union(saved.Keys).Order(StringComparer.Ordinal))
        {
            var up = offered.GetValueOrDefault(product);
            var have = saved.GetValueOrDefault(product);
            var status = up is null ? MaasBootResourceStatus.LocalOnly
                : have is null ? MaasBootResourceStatus.NotSaved
                : string.CompareOrdinal(have.VersionName, up.VersionName) >= 0 ? MaasBootResourceStatus.UpToDate
                : MaasBootResourceStatus.UpdateAvailable;
            results.Add(new MaasBootResourceComparison(product, status, up, have));
        }
        return results;
    }
}
