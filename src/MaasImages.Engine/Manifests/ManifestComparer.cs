namespace MaasImages.Engine.Manifests;

/// <summary>What changed between two manifests, package by package (name and :arch together are the key).</summary>
public static class ManifestComparer
{
    /// <summary>One change per package that differs, ordered by name then architecture; equal versions are left out.</summary>
    public static IReadOnlyList<MaasImagePackageChange> Compare(IEnumerable<MaasImagePackage> reference, IEnumerable<MaasImagePackage> difference,
        string referenceLabel, string differenceLabel)
    {
        var before = Index(reference);
        var after = Index(difference);
        var changes = new List<MaasImagePackageChange>();
        foreach (var key in before.Keys.Union(after.Keys).OrderBy(k => k.Name, StringComparer.Ordinal).ThenBy(k => k.Architecture, StringComparer.Ordinal))
        {
            before.TryGetValue(key, out var old);
            after.TryGetValue(key, out var @new);
            MaasPackageChangeType? change = (old, @new) switch
            {
                (null, not null) => MaasPackageChangeType.Added,
                (not null, null) => MaasPackageChangeType.Removed,
                (not null, not null) when @new.Version > old.Version => MaasPackageChangeType.Upgraded,
                (not null, not null) when @new.Version < old.Version => MaasPackageChangeType.Downgraded,
                _ => null,
            };
            if (change is { } kind)
                changes.Add(new MaasImagePackageChange(key.Name, key.Architecture, kind, old?.Version, @new?.Version, referenceLabel, differenceLabel));
        }
        return changes;
    }

    /// <summary>The first entry wins when a list names a package twice (as the reader keeps the first line).</summary>
    private static Dictionary<(string Name, string? Architecture), MaasImagePackage> Index(IEnumerable<MaasImagePackage> packages)
    {
        var index = new Dictionary<(string, string?), MaasImagePackage>();
        foreach (var package in packages) index.TryAdd((package.Name, package.Architecture), package);
        return index;
    }
}
