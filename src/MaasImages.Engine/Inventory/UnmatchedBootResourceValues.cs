using MaasImages.Engine.Streams;

namespace MaasImages.Engine.Inventory;

/// <summary>Typos in the filters of a boot-resource query: the values nothing saved in the tree has (see <see cref="UnmatchedValueFinder"/>).</summary>
public static class UnmatchedBootResourceValues
{
    /// <summary>
    /// The literal values of <paramref name="query"/> that no resource of the tree at
    /// <paramref name="path"/> (of the query's type) has. <paramref name="found"/>, what the query
    /// already selected, saves reading the tree again when every value occurs in it.
    /// </summary>
    public static async Task<IReadOnlyList<UnmatchedValue>> FindAsync(string path, BootResourceQuery query, IEnumerable<MaasBootResource> found,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(found);
        var finder = Finder(query);
        if (!finder.IsNeeded) return [];
        foreach (var resource in found) Observe(finder, resource);
        if (finder.Unmatched().Count == 0) return [];
        // Damaged entries were reported by the listing already: here they only count as unknown.
        var all = await BootResourceInventory.GetAsync(path, new BootResourceQuery { Type = query.Type }, _ => { }, cancellationToken).ConfigureAwait(false);
        foreach (var resource in all) Observe(finder, resource);
        return finder.Unmatched();
    }

    private static UnmatchedValueFinder Finder(BootResourceQuery query) =>
        new([("Os", query.Os), ("Release", query.Release), ("Arch", query.Arch), ("Subarch", query.Subarch)]);

    private static void Observe(UnmatchedValueFinder finder, MaasBootResource resource)
    {
        finder.Observe("Os", resource.Os);
        finder.Observe("Release", resource.Release);
        finder.Observe("Release", resource.ReleaseVersion);
        finder.Observe("Arch", resource.Arch);
        finder.Observe("Subarch", resource.Subarch);
    }
}
