using System.Globalization;
using System.Text.Json;
using MaasImages.Engine.Platform;

namespace MaasImages.Engine.Layout;

/// <summary>
/// The snapshot machinery of the rack layout, shared by images and bootloaders: a new snapshot is
/// built beside <c>current</c> from hard links to the current one, filled, renamed into place,
/// and <c>current</c> is switched in one rename; old snapshots, leftovers of interrupted runs and
/// cache files no kept snapshot references (by name) go afterwards.
/// </summary>
internal static class RackSnapshots
{
    public const string CurrentName = "current";
    public const string MetaName = "maas.meta";
    public const string CacheName = "cache";
    private const string SnapshotPrefix = "snapshot-";
    private const string BuildingPrefix = ".building-";
    private const string DeletingPrefix = ".deleting-";
    private const string TemporaryCurrentPrefix = "." + CurrentName + "-";
    /// <summary>Per snapshot, which cache file each of its files is (outside the snapshot, so TFTP serves exactly MAAS's tree).</summary>
    internal const string ReferencesFolder = ".maasimages-refs";

    public static string CachePath(string root, string name) => Path.Combine(root, CacheName, name);

    /// <summary>
    /// The snapshot folder <c>current</c> points to, if any. Only a link to a real snapshot folder
    /// beside it counts: a <c>current</c> pointing anywhere else (outside the destination, through
    /// a symlinked snapshot) is never read, carried forward or written to; the run builds a fresh
    /// snapshot and replaces the link (<see cref="IgnoredCurrent"/> says why).
    /// </summary>
    public static string? ResolveCurrent(string root) => Inspect(root).Snapshot;

    /// <summary>Why <c>current</c> is not used as the current snapshot, or null when it is (or is absent).</summary>
    public static string? IgnoredCurrent(string root) => Inspect(root).Problem;

    private static (string? Snapshot, string? Problem) Inspect(string root)
    {
        var path = Path.Combine(root, CurrentName);
        var target = new FileInfo(path).LinkTarget;
        if (target is null) return (Directory.Exists(path) ? Path.GetFullPath(path) : null, null); // absent, or a real folder (inside)
        var ignored = $"'{CurrentName}' points to '{target}'";
        if (Security.PathSafety.FindSegmentProblem(target) is not null || !target.StartsWith(SnapshotPrefix, StringComparison.Ordinal))
            return (null, $"{ignored}, not to a snapshot folder beside it: it is not read and is replaced by a new snapshot.");
        var snapshot = Path.Combine(root, target);
        if (NoFollow.IsLink(snapshot))
            return (null, $"{ignored}, which is itself a symbolic link: it is not read and is replaced by a new snapshot.");
        return Directory.Exists(snapshot) ? (Path.GetFullPath(snapshot), null) : (null, null);
    }

    /// <summary>
    /// Refuses (UnsafeDestination) when a folder this module writes to under the root, cache/ or
    /// the reference records, is a symbolic link: downloads and records would land outside. Reads only.
    /// </summary>
    public static void EnsureOwnFoldersAreReal(string root)
    {
        foreach (var name in new[] { CacheName, ReferencesFolder })
        {
            var folder = Path.Combine(root, name);
            if (new FileInfo(folder).LinkTarget is { } target)
                throw new Errors.UnsafeDestinationException(root, $"'{name}' is a symbolic link to '{target}', so files would be written outside the destination");
        }
    }

    /// <summary>
    /// Removes symbolic links found directly in cache/ (this module only ever puts files and its own
    /// extraction folders there): a download, partial or member must never be written through one.
    /// </summary>
    public static void RemoveLinksInCache(string root, Action<string> warn)
    {
        var cache = Path.Combine(root, CacheName);
        if (!Directory.Exists(cache) || NoFollow.IsLink(cache)) return;
        foreach (var entry in new DirectoryInfo(cache).EnumerateFileSystemInfos())
        {
            if (entry.LinkTarget is not { } target) continue;
            NoFollow.DeleteTree(entry.FullName);
            warn($"Removed the symbolic link '{entry.Name}' -> '{target}' from {CacheName}/: the cache holds only files this module verified.");
        }
    }

    /// <summary>
    /// Builds a new snapshot: everything in <paramref name="currentSnapshot"/> carried forward
    /// (files as hard links, symlinks recreated), then <paramref name="fill"/> changes the draft.
    /// Returns the finished snapshot folder (not yet current) with its cache references recorded.
    /// </summary>
    public static string Build(string root, string? currentSnapshot, Action<string> log, Action<SnapshotDraft> fill, bool copyOnly = false)
    {
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        // A second snapshot in the same second sorts after every one of that second (-n above any
        // used), so the name order stays the order they were made in (retention and -Previous rely on it).
        var sameSecond = Directory.EnumerateDirectories(root, $"*{SnapshotPrefix}{stamp}*")
            .Select(dir => Path.GetFileName(dir)!)
            .Select(dir => dir.StartsWith(BuildingPrefix, StringComparison.Ordinal) ? dir[BuildingPrefix.Length..]
                : dir.StartsWith(DeletingPrefix, StringComparison.Ordinal) ? dir[DeletingPrefix.Length..] : dir)
            .Where(dir => dir.StartsWith(SnapshotPrefix + stamp, StringComparison.Ordinal) && Age(dir).Created is not null)
            .Select(dir => Age(dir).Sequence)
            .DefaultIfEmpty(-1)
            .Max();
        var name = sameSecond < 0 ? SnapshotPrefix + stamp : $"{SnapshotPrefix}{stamp}-{sameSecond + 1}";
        var building = Path.Combine(root, BuildingPrefix + name);
        Directory.CreateDirectory(building);
        var draft = new SnapshotDraft(root, building, new FilePlacer(log, copyOnly),
            currentSnapshot is null ? CacheReferences.Empty() : ReadReferences(root, currentSnapshot));
        var record = ReferencesPath(root, name);
        try
        {
            if (currentSnapshot is not null) CopyTreeAsLinks(currentSnapshot, building, draft.Placer, log);
            fill(draft);
            TestPause.At(TestPause.Build);
            WriteAtomically(record, JsonSerializer.SerializeToUtf8Bytes(draft.References.Existing(building), LayoutJson.Default.CacheReferences));
        }
        catch
        {
            // A failed build leaves no half snapshot behind (a killed one is removed by the next run).
            NoFollow.DeleteTree(building);
            File.Delete(record);
            throw;
        }
        var snapshot = Path.Combine(root, name);
        Directory.Move(building, snapshot);
        TestPause.At(TestPause.Switch);
        return snapshot;
    }

    /// <summary>Writes maas.meta with the mode MAAS gives it (0644).</summary>
    public static void WriteMeta(string snapshot, MaasMeta meta)
    {
        var path = Path.Combine(snapshot, MetaName);
        // A new file renamed into place: the carried-forward maas.meta is a hard link shared with the
        // current snapshot (or, planted, with a file anywhere) and must not be written through.
        AtomicFile.Write(path, meta.ToBytes());
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    /// <summary>
    /// Files become hard links, symlinks are recreated with the same target when it is a plain
    /// relative path (no '..'), so it resolves inside the snapshot; any other link (absolute, or
    /// climbing out) is dropped with a warning: writing through it would leave the destination.
    /// </summary>
    private static void CopyTreeAsLinks(string from, string to, FilePlacer placer, Action<string> warn)
    {
        foreach (var entry in new DirectoryInfo(from).EnumerateFileSystemInfos())
        {
            var target = Path.Combine(to, entry.Name);
            if (entry.LinkTarget is { } linkTarget)
            {
                var relative = linkTarget.Replace(Path.DirectorySeparatorChar, '/');
                if (Security.PathSafety.FindProblem(relative) is { } problem)
                    warn($"Not carrying forward the link '{Path.GetRelativePath(from, entry.FullName)}' -> '{linkTarget}' of {Path.GetFileName(from)}: {problem}, so it could lead outside the snapshot.");
                else
                    SymbolicLinks.Create(target, relative, directory: entry is DirectoryInfo);
            }
            else if (entry is DirectoryInfo dir)
            {
                Directory.CreateDirectory(target);
                CopyTreeAsLinks(dir.FullName, target, placer, warn);
            }
            else
                placer.Place(entry.FullName, target);
        }
    }

    /// <summary>Temp link + rename: readers see the old snapshot or the new one, never neither.</summary>
    public static void SwitchCurrent(string root, string snapshot)
    {
        var temporary = Path.Combine(root, $"{TemporaryCurrentPrefix}{Guid.NewGuid():N}");
        SymbolicLinks.Create(temporary, Path.GetFileName(snapshot), directory: true);
        TestPause.At(TestPause.CurrentLink);
        NativeFileSystem.RenameReplacing(temporary, Path.Combine(root, CurrentName));
    }

    /// <summary>
    /// After a run (also one that changed nothing), under the lock: every snapshot but
    /// <paramref name="keep"/> and the <paramref name="keepSnapshots"/> newest others goes, with
    /// what interrupted runs left (half-built or half-deleted snapshots, temporary <c>current</c>
    /// links, stale reference records), then every cache file that no kept snapshot references by
    /// name. Partials stay for resume, and so does the content of items that failed this run
    /// (<paramref name="keepContent"/>: sha256 of images' files, bootloader archives and the
    /// members unpacked from them), so the next run reuses it. Removing a snapshot a restore went
    /// back from (recorded by the restore) is a warning, never silent; <paramref name="previousCurrent"/>,
    /// what <c>current</c> served before the run, is named in it.
    /// </summary>
    public static void CleanUp(string root, string keep, Action<string> log, int keepSnapshots = 0, string? previousCurrent = null, Action<string>? warn = null,
        IReadOnlySet<string>? keepContent = null)
    {
        RemoveOldSnapshots(root, keep, keepSnapshots, previousCurrent, log, warn ?? log);
        RemoveTemporaryCurrentLinks(root);
        RemoveStaleReferenceRecords(root);
        RemoveUnreferencedCache(root, log, keepContent ?? new HashSet<string>());
    }

    /// <summary>
    /// The snapshots of <paramref name="root"/>: real folders named <c>snapshot-*</c> (never a
    /// link), newest first by the UTC time in their name, then by the <c>-n</c> suffix a second
    /// snapshot in the same second gets. Names without a time come last.
    /// </summary>
    public static IReadOnlyList<string> Snapshots(string root)
    {
        if (!Directory.Exists(root)) return [];
        return Directory.EnumerateDirectories(root, SnapshotPrefix + "*")
            .Where(dir => !NoFollow.IsLink(dir))
            .Select(Path.GetFileName)
            .OfType<string>()
            .OrderByDescending(name => Age(name).Created ?? DateTime.MinValue)
            .ThenByDescending(name => Age(name).Sequence)
            .ThenByDescending(name => name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>When a snapshot was made, from its name (<c>snapshot-YYYYmmdd-HHMMSS[-n]</c>, UTC, as MAAS names them).</summary>
    public static (DateTime? Created, int Sequence) Age(string name)
    {
        if (!name.StartsWith(SnapshotPrefix, StringComparison.Ordinal)) return (null, 0);
        var rest = name[SnapshotPrefix.Length..];
        if (rest.Length < 15 || !DateTime.TryParseExact(rest[..15], "yyyyMMdd-HHmmss", CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var created)) return (null, 0);
        if (rest.Length == 15) return (created, 0);
        return rest[15] == '-' && int.TryParse(rest[16..], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? (created, n) : (null, 0);
    }

    /// <summary>
    /// Snapshots but <paramref name="keep"/> and the retained ones, half-built ones, and half-removed
    /// ones. A snapshot is first renamed out of the way, so one a kill interrupts never looks like a
    /// whole snapshot.
    /// </summary>
    private static void RemoveOldSnapshots(string root, string keep, int keepSnapshots, string? previousCurrent, Action<string> log, Action<string> warn)
    {
        var keptName = Path.GetFileName(Path.TrimEndingDirectorySeparator(keep));
        var all = Snapshots(root);
        var retained = all.Where(name => name != keptName).Take(Math.Max(0, keepSnapshots)).ToHashSet(StringComparer.Ordinal);
        foreach (var name in retained) log($"Kept the snapshot {name} (keeping {keepSnapshots} besides current).");
        var previousName = previousCurrent is null ? null : Path.GetFileName(Path.TrimEndingDirectorySeparator(previousCurrent));
        // Only what a restore went back from counts, not a snapshot a killed run left unswitched.
        var rolledBackFrom = ReadRolledBackFrom(root);
        foreach (var dir in Directory.EnumerateDirectories(root).ToList())
        {
            var name = Path.GetFileName(dir);
            if (name == keptName || retained.Contains(name) || !(name.StartsWith(SnapshotPrefix, StringComparison.Ordinal) || name.StartsWith(BuildingPrefix, StringComparison.Ordinal)
                || name.StartsWith(DeletingPrefix, StringComparison.Ordinal))) continue;
            var newerThanRestored = rolledBackFrom.Contains(name);
            if (NoFollow.IsLink(dir))
            {
                NoFollow.DeleteTree(dir); // the link only: what it points to is not ours
                log($"Removed the symbolic link {name}: a snapshot is a real folder, never a link (its target was left alone).");
                continue;
            }
            var doomed = dir;
            if (name.StartsWith(SnapshotPrefix, StringComparison.Ordinal))
            {
                doomed = Path.Combine(root, DeletingPrefix + name);
                NoFollow.DeleteTree(doomed);
                Directory.Move(dir, doomed);
                TestPause.At(TestPause.Cleanup);
            }
            NoFollow.DeleteTree(doomed, static () => TestPause.At(TestPause.CleanupDelete));
            if (newerThanRestored)
                warn($"Removed the snapshot {name}, which '{CurrentName}' was restored back from (it served {previousName} before this run): this run keeps " +
                     $"{(keepSnapshots == 0 ? "no snapshot" : (keepSnapshots == 1 ? "only the newest snapshot" : $"only the {keepSnapshots} newest snapshots"))} besides '{CurrentName}'. Keep more snapshots to keep it.");
            else
                log(name.StartsWith(SnapshotPrefix, StringComparison.Ordinal) ? $"Removed the old snapshot {name}."
                    : $"Removed {name}, left by an interrupted run.");
        }
        if (rolledBackFrom.Count > 0) RecordRolledBackFrom(root, rolledBackFrom.Where(n => Directory.Exists(Path.Combine(root, n))));
    }

    /// <summary>Which snapshots the last restore went back from (newer than the one it restored); see <see cref="RecordRolledBackFrom"/>.</summary>
    internal const string RestoredRecord = ".maasimages-restored.json";

    private static HashSet<string> ReadRolledBackFrom(string root)
    {
        var path = Path.Combine(root, RestoredRecord);
        try
        {
            if (NoFollow.IsLink(path) || !File.Exists(path)) return new(StringComparer.Ordinal);
            return (JsonSerializer.Deserialize(File.ReadAllBytes(path), LayoutJson.Default.ListString) ?? []).Where(n => n is not null).ToHashSet(StringComparer.Ordinal);
        }
        catch (JsonException)
        {
            return new(StringComparer.Ordinal); // damaged: the warnings it drives are lost, nothing else
        }
    }

    /// <summary>
    /// Remembers the snapshots a restore went back from, so the cleanup of a later run warns when
    /// its retention removes one; none left: the record goes.
    /// </summary>
    internal static void RecordRolledBackFrom(string root, IEnumerable<string> names)
    {
        var list = names.Order(StringComparer.Ordinal).ToList();
        var path = Path.Combine(root, RestoredRecord);
        if (list.Count == 0) File.Delete(path);
        else WriteAtomically(path, JsonSerializer.SerializeToUtf8Bytes(list, LayoutJson.Default.ListString));
    }

    private static void RemoveTemporaryCurrentLinks(string root)
    {
        foreach (var entry in new DirectoryInfo(root).EnumerateFileSystemInfos(TemporaryCurrentPrefix + "*"))
            if (entry.LinkTarget is not null) entry.Delete(); // the link itself, never its target
    }

    private static void RemoveStaleReferenceRecords(string root)
    {
        var folder = Path.Combine(root, ReferencesFolder);
        if (!Directory.Exists(folder) || NoFollow.IsLink(folder)) return; // never delete through a link
        foreach (var record in Directory.EnumerateFiles(folder))
        {
            var snapshot = Path.GetFileNameWithoutExtension(record);
            if (record.EndsWith(".json", StringComparison.Ordinal) && Directory.Exists(Path.Combine(root, snapshot))) continue;
            File.Delete(record);
        }
    }

    /// <summary>
    /// Cache files (images <c>&lt;sha256&gt;</c>, bootloader members <c>&lt;member&gt;-&lt;archive
    /// sha256&gt;</c>) that no kept snapshot references. By name, not link count: right with copies
    /// instead of hard links, and on every platform. When a snapshot's references are not fully
    /// known (made by another tool, on a system that cannot tell), nothing is deleted.
    /// </summary>
    private static void RemoveUnreferencedCache(string root, Action<string> log, IReadOnlySet<string> keepContent)
    {
        var cache = Path.Combine(root, CacheName);
        if (!Directory.Exists(cache) || NoFollow.IsLink(cache)) return; // never delete through a link
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var snapshot in Directory.EnumerateDirectories(root, SnapshotPrefix + "*"))
        {
            var references = ReadReferences(root, snapshot);
            if (references.Unknown.Count > 0)
            {
                log($"Cache cleanup skipped: which cache files {Path.GetFileName(snapshot)} uses is not known for {Formatting.Counted.Of(references.Unknown.Count, "file")}.");
                return;
            }
            referenced.UnionWith(references.Files.Values);
        }
        int removed = 0;
        foreach (var file in Directory.EnumerateFiles(cache))
        {
            var name = Path.GetFileName(file);
            if (name.EndsWith(".partial", StringComparison.Ordinal) || name.EndsWith(".partial.json", StringComparison.Ordinal)) continue;
            if (referenced.Contains(name) || IsContentOf(name, keepContent)) continue;
            File.Delete(file);
            removed++;
        }
        if (removed > 0) log($"Removed {Formatting.Counted.Of(removed, "cache file")} no snapshot uses.");
    }

    /// <summary>True for cache/&lt;sha256&gt; and cache/&lt;member&gt;-&lt;sha256&gt; of a kept content.</summary>
    private static bool IsContentOf(string cacheName, IReadOnlySet<string> keepContent)
    {
        if (keepContent.Count == 0) return false;
        var dash = cacheName.LastIndexOf('-');
        return keepContent.Contains(cacheName) || (dash >= 0 && keepContent.Contains(cacheName[(dash + 1)..]));
    }

    private static string ReferencesPath(string root, string snapshotName) => Path.Combine(root, ReferencesFolder, snapshotName + ".json");

    /// <summary>
    /// Which cache file each file of <paramref name="snapshot"/> is: its record, or for a snapshot
    /// without one (an older version of this module, MAAS itself) the cache file with the same
    /// inode, where the platform tells; files it cannot tell are Unknown.
    /// </summary>
    public static CacheReferences ReadReferences(string root, string snapshot)
    {
        var record = ReferencesPath(root, Path.GetFileName(snapshot));
        if (File.Exists(record))
        {
            try
            {
                if (JsonSerializer.Deserialize(File.ReadAllBytes(record), LayoutJson.Default.CacheReferences) is { } read) return read.Normalized();
            }
            catch (JsonException)
            {
                // rebuilt below
            }
        }
        return ReferencesByInode(root, snapshot);
    }

    private static CacheReferences ReferencesByInode(string root, string snapshot)
    {
        var byId = new Dictionary<(ulong, ulong), string>();
        var cache = Path.Combine(root, CacheName);
        if (Directory.Exists(cache))
            foreach (var file in Directory.EnumerateFiles(cache))
                if (NativeFileSystem.GetFileId(file) is { } id) byId.TryAdd(id, Path.GetFileName(file));
        var references = CacheReferences.Empty();
        var canTell = OperatingSystem.IsLinux();
        foreach (var file in EnumerateRegularFiles(snapshot))
        {
            var relative = Path.GetRelativePath(snapshot, file).Replace(Path.DirectorySeparatorChar, '/');
            if (NativeFileSystem.GetFileId(file) is { } id && byId.TryGetValue(id, out var name)) references.Files[relative] = name;
            else if (!canTell && !OwnFiles.Contains(relative)) references.Unknown.Add(relative);
        }
        return references;
    }

    /// <summary>Files a snapshot has of its own, never from the cache.</summary>
    private static readonly HashSet<string> OwnFiles = new(StringComparer.Ordinal) { MetaName, "ipxe.cfg", "grub/grub.cfg" };

    private static IEnumerable<string> EnumerateRegularFiles(string folder)
    {
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos())
        {
            if (entry.LinkTarget is not null) continue;
            if (entry is DirectoryInfo dir)
            {
                foreach (var file in EnumerateRegularFiles(dir.FullName)) yield return file;
            }
            else yield return entry.FullName;
        }
    }

    private static void WriteAtomically(string path, byte[] bytes) => AtomicFile.Write(path, bytes, ".tmp");
}

/// <summary>
/// Which cache file (by name) each file of a snapshot is; Unknown: files whose source is not known;
/// Content: per cache name, what was recorded when it was saved (its sha256, size and source), so
/// Test-MaasBootResource can verify and repair it later.
/// </summary>
internal sealed class CacheReferences
{
    public Dictionary<string, string> Files { get; init; } = new(StringComparer.Ordinal);
    public HashSet<string> Unknown { get; init; } = new(StringComparer.Ordinal);
    public Dictionary<string, CacheContent> Content { get; init; } = new(StringComparer.Ordinal);

    public static CacheReferences Empty() => new();

    internal CacheReferences Normalized() => new()
    {
        Files = new Dictionary<string, string>(Files ?? [], StringComparer.Ordinal),
        Unknown = new HashSet<string>(Unknown ?? [], StringComparer.Ordinal),
        Content = new Dictionary<string, CacheContent>((Content ?? []).Where(kv => kv.Value is not null), StringComparer.Ordinal),
    };

    /// <summary>Only the entries whose file is still in <paramref name="snapshot"/>.</summary>
    public CacheReferences Existing(string snapshot)
    {
        bool Exists(string relative) => File.Exists(Path.Combine(snapshot, relative.Replace('/', Path.DirectorySeparatorChar)));
        var files = Files.Where(kv => Exists(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var used = files.Values.ToHashSet(StringComparer.Ordinal);
        return new CacheReferences
        {
            Files = files,
            Unknown = Unknown.Where(Exists).ToHashSet(StringComparer.Ordinal),
            Content = Content.Where(kv => used.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
        };
    }
}

/// <summary>
/// What a cache file is, recorded when it was saved: its sha256 and size (for an image file the
/// sha256 is also its name; for a bootloader member, the member's own hash taken at extraction),
/// and where it came from: the URL and stream-relative path of the file, or of the archive a
/// member was extracted from (<paramref name="ArchiveSha256"/>, <paramref name="Member"/>).
/// </summary>
internal sealed record CacheContent(string Sha256, long Size, string? Source = null, string? SourcePath = null,
    string? ArchiveSha256 = null, long? ArchiveSize = null, string? Member = null);

/// <summary>A snapshot being built: its folder, and placement from the cache that records what it references.</summary>
internal sealed class SnapshotDraft(string root, string folder, FilePlacer placer, CacheReferences carried)
{
    public string Folder { get; } = folder;
    internal FilePlacer Placer { get; } = placer;
    internal CacheReferences References { get; } = carried;

    /// <summary>
    /// Puts cache/<paramref name="cacheName"/> at <paramref name="relativePath"/> ('/'-separated) in
    /// the draft; <paramref name="content"/>, when known, is recorded for later verification.
    /// </summary>
    public void PlaceFromCache(string cacheName, string relativePath, CacheContent? content = null)
    {
        Placer.Place(RackSnapshots.CachePath(root, cacheName), Path.Combine(Folder, relativePath.Replace('/', Path.DirectorySeparatorChar)));
        References.Files[relativePath] = cacheName;
        References.Unknown.Remove(relativePath);
        if (content is not null) References.Content[cacheName] = content;
    }
}
