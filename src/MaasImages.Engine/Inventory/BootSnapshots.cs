using MaasImages.Engine.Errors;
using MaasImages.Engine.Layout;
using MaasImages.Engine.Layout.BootLinks;
using MaasImages.Engine.Platform;
using MaasImages.Engine.Transfer;

namespace MaasImages.Engine.Inventory;

/// <summary>
/// The snapshots of a rack boot-resources folder: listing them, and switching <c>current</c> back
/// to one (the undo for an image that broke commissioning) under the destination's lock, with the
/// checks every writer makes. A restore removes nothing: the snapshot it leaves stays until a later
/// run's -KeepSnapshots says otherwise.
/// </summary>
public static class BootSnapshots
{
    /// <summary>Every snapshot, newest first. Reads only; an absent folder has none.</summary>
    public static IReadOnlyList<MaasBootSnapshot> List(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        root = Path.GetFullPath(root);
        var current = RackSnapshots.ResolveCurrent(root) is { } folder ? Path.GetFileName(folder) : null;
        return RackSnapshots.Snapshots(root).Select(name => Describe(root, name, name == current)).ToList();
    }

    /// <summary>
    /// Every snapshot of a folder that must exist (Get-MaasBootSnapshot): a path that names no folder
    /// is a mistake to report (FolderNotFound), not a tree with no snapshots.
    /// </summary>
    public static IReadOnlyList<MaasBootSnapshot> ListExisting(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        if (!Directory.Exists(root)) throw new FolderNotFoundException(root, "a boot-resources folder (the one holding current and snapshot-*)");
        return List(root);
    }

    private static MaasBootSnapshot Describe(string root, string name, bool isCurrent)
    {
        var folder = Path.Combine(root, name);
        var meta = MaasMeta.Load(Path.Combine(folder, RackSnapshots.MetaName));
        int images = meta.ImageEntries().Select(e => (MaasMeta.ProductOf(e.Entry), MaasMeta.VersionOf(e.Entry))).Distinct().Count();
        int bootloaders = meta.BootloaderEntries().Select(e => (MaasMeta.ProductOf(e.Entry), MaasMeta.VersionOf(e.Entry))).Distinct().Count();
        long size = 0;
        int files = 0;
        foreach (var file in RegularFiles(folder))
        {
            size += file.Length;
            files++;
        }
        return new MaasBootSnapshot(root, name, RackSnapshots.Age(name).Created, isCurrent, images, bootloaders, size, files);
    }

    /// <summary>
    /// The snapshot a restore would switch to, checked as the restore checks it (for -WhatIf):
    /// <paramref name="name"/>, or with null the newest snapshot made before the current one.
    /// </summary>
    public static MaasBootSnapshot Plan(string root, string? name)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        root = Path.GetFullPath(root);
        DestinationCheck.Ensure(root);
        if (!Directory.Exists(root)) throw new SnapshotNotFoundException(root, $"'{root}' does not exist, so it has no snapshot to restore.");
        RackSnapshots.EnsureOwnFoldersAreReal(root);
        var target = name is null ? Previous(root) : Named(root, name);
        Check(root, target);
        var current = RackSnapshots.ResolveCurrent(root) is { } folder ? Path.GetFileName(folder) : null;
        return Describe(root, target, target == current);
    }

    /// <summary>
    /// Switches <c>current</c> to the snapshot (temporary link + rename, as every switch), under the
    /// lock, after the checks of <see cref="Plan"/>. Root links the snapshot lacks for bootloaders it
    /// holds, or that point at nothing, are put right in it before the switch.
    /// </summary>
    public static async Task<MaasBootSnapshot> RestoreAsync(string root, string? name, TimeSpan lockTimeout, Action<string> log, Action<string> warn,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(warn);
        ArgumentException.ThrowIfNullOrEmpty(root);
        root = Path.GetFullPath(root);
        DestinationCheck.Ensure(root);
        if (!Directory.Exists(root)) throw new SnapshotNotFoundException(root, $"'{root}' does not exist, so it has no snapshot to restore.");
        try
        {
            using var destinationLock = await DestinationLock.AcquireAsync(root, lockTimeout, warn, cancellationToken).ConfigureAwait(false);
            // Decided under the lock: a run that finished meanwhile may have switched or removed snapshots.
            var planned = Plan(root, name);
            if (planned.IsCurrent)
            {
                log($"'{RackSnapshots.CurrentName}' already points to {planned.Name}: nothing to change.");
                return planned;
            }
            if (RackSnapshots.IgnoredCurrent(root) is { } ignored) warn(ignored);
            var folder = planned.FullName;
            if (Directory.Exists(Path.Combine(folder, "bootloader")))
            {
                var links = BootLinkMaker.Plan(folder, force: false).Where(c => c.ChangesDisk && !c.Occupied).ToList();
                foreach (var link in links)
                {
                    BootLinkMaker.Apply(link);
                    log($"Put right the root link {link.Name} in {planned.Name} ({link.Status}).");
                }
            }
            var before = RackSnapshots.ResolveCurrent(root) is { } was ? Path.GetFileName(was) : "nothing";
            RackSnapshots.SwitchCurrent(root, folder);
            var all = RackSnapshots.Snapshots(root);
            RackSnapshots.RecordRolledBackFrom(root, all.Take(all.ToList().IndexOf(planned.Name)));
            log($"'{RackSnapshots.CurrentName}' now points to {planned.Name} (was {before}).");
            return Describe(root, planned.Name, isCurrent: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && IoFailures.Translate(e, root) is not null)
        {
            throw IoFailures.Translate(e, root)!;
        }
    }

    private static string Named(string root, string name)
    {
        if (Security.PathSafety.FindSegmentProblem(name) is { } problem)
            throw new UnsafePathException($"The snapshot name '{name}' is not one plain folder name: {problem}. Nothing was changed.", name);
        if (RackSnapshots.Age(name).Created is null || !name.StartsWith("snapshot-", StringComparison.Ordinal))
        {
            var why = name.StartsWith(".building-", StringComparison.Ordinal) ? "it is a snapshot an interrupted run left half built"
                : name.StartsWith(".deleting-", StringComparison.Ordinal) ? "it is a snapshot being removed"
                : "it is not named snapshot-YYYYmmdd-HHMMSS, as MAAS and this module name snapshots";
            throw new InvalidSnapshotException(Path.Combine(root, name), why);
        }
        var folder = Path.Combine(root, name);
        if (NoFollow.IsLink(folder))
            throw new UnsafeDestinationException(root, $"'{name}' is a symbolic link (to '{new FileInfo(folder).LinkTarget}'), not a snapshot folder, so current would serve what it points to");
        if (!Directory.Exists(folder))
            throw new SnapshotNotFoundException(folder, $"There is no snapshot '{name}' in '{root}' (Get-MaasBootSnapshot lists them).");
        return name;
    }

    /// <summary>The newest snapshot made before the one <c>current</c> points to.</summary>
    private static string Previous(string root)
    {
        var current = RackSnapshots.ResolveCurrent(root) is { } folder ? Path.GetFileName(folder) : null;
        if (current is null)
            throw new SnapshotNotFoundException(root, $"'{RackSnapshots.CurrentName}' in '{root}' does not point to a snapshot, so there is no previous one: name one.")
            {
                Remedy = MaasRemedy.NameSnapshot,
            };
        var all = RackSnapshots.Snapshots(root);
        var index = all.ToList().IndexOf(current);
        if (index < 0 || index + 1 >= all.Count)
            throw new SnapshotNotFoundException(root,
                $"No snapshot in '{root}' is older than the current {current}: by default only current is kept, as MAAS does.")
            {
                Remedy = MaasRemedy.KeepSnapshots,
            };
        return all[index + 1];
    }

    /// <summary>
    /// Only a whole snapshot may be served: a real maas.meta that parses, and no symbolic link in it
    /// whose target could lead out of it (absolute, or with '..').
    /// </summary>
    private static void Check(string root, string name)
    {
        var folder = Path.Combine(root, name);
        var meta = Path.Combine(folder, RackSnapshots.MetaName);
        if (NoFollow.IsLink(meta) || !File.Exists(meta))
            throw new InvalidSnapshotException(folder, $"it has no {RackSnapshots.MetaName} (a snapshot MAAS or this module made always has one)");
        try
        {
            if (System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(meta)) is not System.Text.Json.Nodes.JsonObject)
                throw new InvalidSnapshotException(folder, $"its {RackSnapshots.MetaName} is not a JSON object");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new InvalidSnapshotException(folder, $"its {RackSnapshots.MetaName} is not valid JSON ({e.Message})");
        }
        foreach (var link in Links(folder))
        {
            var target = link.LinkTarget!;
            if (Security.PathSafety.FindProblem(target.Replace(Path.DirectorySeparatorChar, '/')) is { } problem)
                throw new UnsafeDestinationException(root,
                    $"'{Path.GetRelativePath(root, link.FullName)}' in the snapshot links to '{target}' ({problem}), so current would serve files from outside it");
        }
    }

    private static IEnumerable<FileSystemInfo> Links(string folder)
    {
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos())
        {
            if (entry.LinkTarget is not null) yield return entry;
            else if (entry is DirectoryInfo dir)
                foreach (var link in Links(dir.FullName)) yield return link;
        }
    }

    private static IEnumerable<FileInfo> RegularFiles(string folder)
    {
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos())
        {
            if (entry.LinkTarget is not null) continue;
            if (entry is DirectoryInfo dir)
            {
                foreach (var file in RegularFiles(dir.FullName)) yield return file;
            }
            else if (entry is FileInfo file) yield return file;
        }
    }
}
