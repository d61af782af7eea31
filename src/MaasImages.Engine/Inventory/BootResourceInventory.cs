using MaasImages.Engine.Errors;
using MaasImages.Engine.Layout;

namespace MaasImages.Engine.Inventory;

/// <summary>Where a tree's boot resources are: a rack boot-resources folder (and the snapshot it serves) or a mirror root.</summary>
internal sealed record BootResourceTree(SaveLayout Layout, string Root, string? Snapshot);

/// <summary>What is saved on disk, read from disk only: the entry point Get-MaasBootResource calls.</summary>
public static class BootResourceInventory
{
    /// <summary>
    /// Every saved image version and bootloader under <paramref name="path"/> (a boot-resources
    /// folder, a snapshot or current, or a mirror root) that <paramref name="query"/> selects. One
    /// damaged entry or document is reported through <paramref name="error"/> and skipped.
    /// </summary>
    public static async Task<IReadOnlyList<MaasBootResource>> GetAsync(string path, BootResourceQuery query, Action<MaasImagesException> error,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(error);
        var tree = Locate(path);
        var all = await ReadAsync(tree, error, cancellationToken).ConfigureAwait(false);
        return all.Where(query.Matches).ToList();
    }

    internal static async Task<List<MaasBootResource>> ReadAsync(BootResourceTree tree, Action<MaasImagesException> error, CancellationToken cancellationToken) =>
        tree.Layout == SaveLayout.Mirror
            ? await MirrorInventory.ReadAsync(tree.Root, error, cancellationToken).ConfigureAwait(false)
            : RackInventory.Read(tree.Root, tree.Snapshot!, error);

    /// <summary>Which kind of tree <paramref name="path"/> is, or NotABootResourceTree; a current that leads elsewhere is UnsafeDestination.</summary>
    internal static BootResourceTree Locate(string path)
    {
        path = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        if (!Directory.Exists(path)) throw new NotABootResourceTreeException(path, "no such folder");
        if (Streams.StreamSource.IndexCandidates.Any(index => File.Exists(Path.Combine(path, index.Replace('/', Path.DirectorySeparatorChar)))))
            return new BootResourceTree(SaveLayout.Mirror, path, null);
        var link = new FileInfo(path).LinkTarget;
        if (link is not null || File.Exists(Path.Combine(path, RackSnapshots.MetaName)))
        {
            // A snapshot, or current, given directly: its boot-resources folder is the one above.
            var parent = Path.GetDirectoryName(path)!;
            if (link is null) return new BootResourceTree(SaveLayout.Rack, parent, path);
            if (Path.GetFileName(path) == RackSnapshots.CurrentName) return Rack(parent);
            throw new UnsafeBootResourceTreeException(path, $"it is a symbolic link to '{link}', not a snapshot folder or a current beside one");
        }
        if (new FileInfo(Path.Combine(path, RackSnapshots.CurrentName)).LinkTarget is not null || Directory.Exists(Path.Combine(path, RackSnapshots.CurrentName)))
            return Rack(path);
        throw new NotABootResourceTreeException(path, "it has neither current/ nor maas.meta nor streams/v1/index.sjson or index.json");
    }

    private static BootResourceTree Rack(string root)
    {
        if (RackSnapshots.IgnoredCurrent(root) is { } problem) throw new UnsafeBootResourceTreeException(root, problem);
        var snapshot = RackSnapshots.ResolveCurrent(root)
            ?? throw new NotABootResourceTreeException(root, $"'{RackSnapshots.CurrentName}' points to no snapshot folder");
        return new BootResourceTree(SaveLayout.Rack, root, snapshot);
    }
}
