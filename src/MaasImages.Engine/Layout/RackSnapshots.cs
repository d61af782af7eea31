using System.Globalization;
using MaasImages.Engine.Platform;

namespace MaasImages.Engine.Layout;

/// <summary>
/// The snapshot machinery of the rack layout, shared by images and bootloaders: a new snapshot is
/// built beside <c>current</c> from hard links to the current one, filled, renamed into place,
/// and <c>current</c> is switched in one rename; old snapshots and cache files nothing links to
/// any more go afterwards.
/// </summary>
internal static class RackSnapshots
{
    public const string CurrentName = "current";
    public const string MetaName = "maas.meta";
    public const string CacheName = "cache";
    private const string SnapshotPrefix = "snapshot-";
    private const string BuildingPrefix = ".building-";

    public static string CachePath(string root, string name) => Path.Combine(root, CacheName, name);

    /// <summary>The snapshot folder <c>current</c> points to, if any.</summary>
    public static string? ResolveCurrent(string root)
    {
        var current = new DirectoryInfo(Path.Combine(root, CurrentName));
        if (!current.Exists) return null;
        return current.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? current.FullName;
    }

    /// <summary>
    /// Builds a new snapshot: everything in <paramref name="currentSnapshot"/> carried forward
    /// (files as hard links, symlinks recreated), then <paramref name="fill"/> changes the building
    /// folder. Returns the finished snapshot folder (not yet current).
    /// </summary>
    public static string Build(string root, string? currentSnapshot, Action<string> log, Action<string, FilePlacer> fill)
    {
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var name = SnapshotPrefix + stamp;
        for (int n = 1; Directory.Exists(Path.Combine(root, name)); n++) name = $"{SnapshotPrefix}{stamp}-{n}";
        var building = Path.Combine(root, BuildingPrefix + name);
        if (Directory.Exists(building)) Directory.Delete(building, recursive: true);
        Directory.CreateDirectory(building);
        var placer = new FilePlacer(log);
        try
        {
            if (currentSnapshot is not null) CopyTreeAsLinks(currentSnapshot, building, placer);
            fill(building, placer);
        }
        catch
        {
            Directory.Delete(building, recursive: true); // a failed build leaves no half snapshot behind
            throw;
        }
        var snapshot = Path.Combine(root, name);
        Directory.Move(building, snapshot);
        return snapshot;
    }

    /// <summary>Writes maas.meta with the mode MAAS gives it (0644).</summary>
    public static void WriteMeta(string snapshot, MaasMeta meta)
    {
        var path = Path.Combine(snapshot, MetaName);
        File.WriteAllBytes(path, meta.ToBytes());
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    /// <summary>Files become hard links, symlinks are recreated with the same (relative) target.</summary>
    private static void CopyTreeAsLinks(string from, string to, FilePlacer placer)
    {
        foreach (var entry in new DirectoryInfo(from).EnumerateFileSystemInfos())
        {
            var target = Path.Combine(to, entry.Name);
            if (entry.LinkTarget is { } linkTarget)
                SymbolicLinks.Create(target, linkTarget.Replace(Path.DirectorySeparatorChar, '/'), directory: entry is DirectoryInfo);
            else if (entry is DirectoryInfo dir)
            {
                Directory.CreateDirectory(target);
                CopyTreeAsLinks(dir.FullName, target, placer);
            }
            else
                placer.Place(entry.FullName, target);
        }
    }

    /// <summary>Temp link + rename: readers see the old snapshot or the new one, never neither.</summary>
    public static void SwitchCurrent(string root, string snapshot)
    {
        var temporary = Path.Combine(root, $".{CurrentName}-{Guid.NewGuid():N}");
        SymbolicLinks.Create(temporary, Path.GetFileName(snapshot), directory: true);
        NativeFileSystem.RenameReplacing(temporary, Path.Combine(root, CurrentName));
    }

    /// <summary>Removes every snapshot but <paramref name="keep"/>, and leftovers of interrupted builds.</summary>
    public static void RemoveOldSnapshots(string root, string keep)
    {
        foreach (var dir in Directory.EnumerateDirectories(root))
        {
            var name = Path.GetFileName(dir);
            if (dir == keep || !(name.StartsWith(SnapshotPrefix, StringComparison.Ordinal) || name.StartsWith(BuildingPrefix, StringComparison.Ordinal))) continue;
            if (new DirectoryInfo(dir).LinkTarget is not null) continue;
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// Cache files no snapshot links to any more (link count 1): image files (<c>&lt;sha256&gt;</c>),
    /// bootloader members (<c>&lt;member&gt;-&lt;archive sha256&gt;</c>) and extracted archives.
    /// Partials stay for resume. Where link counts are unknown, what this run uses is kept.
    /// </summary>
    public static void RemoveUnreferencedCache(string root, IReadOnlySet<string> usedNames)
    {
        var cache = Path.Combine(root, CacheName);
        if (!Directory.Exists(cache)) return;
        foreach (var file in Directory.EnumerateFiles(cache))
        {
            var name = Path.GetFileName(file);
            if (name.EndsWith(".partial", StringComparison.Ordinal) || name.EndsWith(".partial.json", StringComparison.Ordinal)) continue;
            var links = NativeFileSystem.GetLinkCount(file);
            if (links == 1 || (links is null && !usedNames.Contains(name))) File.Delete(file);
        }
    }
}
