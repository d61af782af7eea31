using MaasImages.Engine.Errors;
using MaasImages.Engine.Layout;
using MaasImages.Engine.Layout.BootLinks;
using MaasImages.Engine.Platform;
using MaasImages.Engine.Transfer;

namespace MaasImages.Engine.Inventory;

/// <summary>How Remove-MaasBootResource removes.</summary>
public sealed class RemoveOptions
{
    /// <summary>Rack: previous snapshots kept besides current after the switch (0: only current, as MAAS).</summary>
    public int KeepSnapshots { get; init; }
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// Removes saved image versions and bootloaders from a tree, read again under the destination's
/// lock (objects from an earlier Get-MaasBootResource are matched by type, product and version).
/// Rack: a new snapshot from current without them (files, maas.meta entries, folders left empty,
/// root links whose target went), current switched atomically, old snapshots and unused cache files
/// cleaned as a save cleans them. Mirror: their files, partials, state records and folders left
/// empty; a file another saved version uses stays. The signed metadata documents are never edited.
/// </summary>
public static class BootResourceRemover
{
    /// <summary>What a removal would remove: the resources of the tree at <paramref name="path"/> that <paramref name="selects"/> picks. Reads only.</summary>
    public static async Task<IReadOnlyList<MaasBootResource>> PlanAsync(string path, Func<MaasBootResource, bool> selects, RemoveOptions options,
        Action<MaasImagesException> error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(selects);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(error);
        var tree = BootResourceInventory.Locate(path);
        EnsureFits(tree, options);
        var all = await BootResourceInventory.ReadAsync(tree, error, cancellationToken).ConfigureAwait(false);
        return all.Where(selects).ToList();
    }

    /// <summary>The resources of <paramref name="wanted"/> as a selection: same type, product and version, wherever they were read.</summary>
    public static Func<MaasBootResource, bool> Matching(IEnumerable<MaasBootResource> wanted)
    {
        var keys = wanted.Select(Key).ToHashSet();
        return resource => keys.Contains(Key(resource));
    }

    private static (MaasBootResourceType, string, string) Key(MaasBootResource resource) => (resource.Type, resource.ProductName, resource.VersionName);

    /// <summary>
    /// Takes the lock, reads the tree again, removes what <paramref name="selects"/> picks and
    /// returns it (as read before the removal). Nothing selected: nothing changes.
    /// </summary>
    public static async Task<IReadOnlyList<MaasBootResource>> RemoveAsync(string path, Func<MaasBootResource, bool> selects, RemoveOptions options,
        Action<string> log, Action<string> warn, Action<MaasImagesException> error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(selects);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(warn);
        ArgumentNullException.ThrowIfNull(error);
        var tree = BootResourceInventory.Locate(path);
        EnsureFits(tree, options);
        try
        {
            using var destinationLock = await DestinationLock.AcquireAsync(tree.Root, options.LockTimeout, warn, cancellationToken).ConfigureAwait(false);
            tree = BootResourceInventory.Locate(tree.Root); // current may have moved while we waited
            var all = await BootResourceInventory.ReadAsync(tree, error, cancellationToken).ConfigureAwait(false);
            var doomed = all.Where(selects).ToList();
            if (doomed.Count == 0)
            {
                log($"Nothing to remove from '{tree.Root}': none of the selected boot resources is saved there.");
                return [];
            }
            var kept = all.Except(doomed).ToList();
            cancellationToken.ThrowIfCancellationRequested();
            if (tree.Layout == SaveLayout.Rack) RemoveFromRack(tree.Root, tree.Snapshot!, doomed, kept, options, log, warn);
            else RemoveFromMirror(tree.Root, doomed, kept, log, warn);
            return doomed;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && IoFailures.Translate(e, tree.Root) is not null)
        {
            throw IoFailures.Translate(e, tree.Root)!;
        }
    }

    /// <summary>-KeepSnapshots on a mirror would silently do nothing: a mirror has no snapshots.</summary>
    private static void EnsureFits(BootResourceTree tree, RemoveOptions options)
    {
        if (tree.Layout == SaveLayout.Mirror && options.KeepSnapshots > 0)
            throw new InvalidArgumentException("LayoutParameterMismatch",
                $"'{tree.Root}' is a mirror, which has no snapshots to keep (only a rack boot-resources folder has). Nothing was changed.", "KeepSnapshots")
            {
                Remedy = MaasRemedy.KeepSnapshots,
            };
    }

    private static void RemoveFromRack(string root, string current, List<MaasBootResource> doomed, List<MaasBootResource> kept, RemoveOptions options,
        Action<string> log, Action<string> warn)
    {
        RackSnapshots.EnsureOwnFoldersAreReal(root);
        var meta = MaasMeta.Load(Path.Combine(current, RackSnapshots.MetaName));
        var gone = doomed.Select(r => (r.Type == MaasBootResourceType.Bootloader, r.ProductName, r.VersionName)).ToHashSet();
        meta.RemoveWhere(entry => gone.Contains((MaasMeta.IsBootloader(entry), MaasMeta.ProductOf(entry) ?? "", MaasMeta.VersionOf(entry) ?? "")));
        // A file another kept resource serves (a folder two entries share) stays.
        var used = kept.SelectMany(r => r.Files).Select(f => f.RelativePath).ToHashSet(StringComparer.Ordinal);
        var snapshot = RackSnapshots.Build(root, current, warn, draft =>
        {
            foreach (var file in doomed.SelectMany(r => r.Files).Select(f => f.RelativePath).Distinct(StringComparer.Ordinal).Where(p => !used.Contains(p)))
                DeleteFile(draft.Folder, file);
            RackSnapshots.WriteMeta(draft.Folder, meta);
            // Root links whose target went with a bootloader are removed; the ones MAAS always makes are reported.
            foreach (var link in BootLinkMaker.Plan(draft.Folder, force: false).Where(c => !c.TargetExists))
            {
                if (link.Status == BootLinkStatus.Missing && link.ChangesDisk)
                {
                    BootLinkMaker.Apply(link);
                    log($"Removed the root link {link.Name}: its target {link.Target} was removed.");
                }
                else if (link.Status != BootLinkStatus.Missing && link.LinkExists)
                    warn($"The root link {link.Name} -> {link.Target} points at nothing now; MAAS keeps it for old DHCP configs.");
            }
        });
        RackSnapshots.SwitchCurrent(root, snapshot);
        foreach (var resource in doomed) log($"Removed {resource.ProductName} {resource.VersionName} ({resource.Type}).");
        log($"'{RackSnapshots.CurrentName}' now points to {Path.GetFileName(snapshot)}.");
        RackSnapshots.CleanUp(root, snapshot, log, options.KeepSnapshots, current, warn);
    }

    /// <summary>Deletes <paramref name="relative"/> in the draft (only when every folder on the way is real) and the folders it leaves empty.</summary>
    private static void DeleteFile(string snapshot, string relative)
    {
        var segments = relative.Split('/');
        var folder = snapshot;
        foreach (var segment in segments[..^1])
        {
            folder = Path.Combine(folder, segment);
            if (!Directory.Exists(folder) || NoFollow.IsLink(folder)) return; // never delete through a link
        }
        var file = Path.Combine(folder, segments[^1]);
        if (File.Exists(file) || NoFollow.IsLink(file)) File.Delete(file);
        RemoveEmptyFolders(snapshot, folder);
    }

    private static void RemoveEmptyFolders(string top, string folder)
    {
        for (var dir = folder; dir.Length > top.Length && Directory.Exists(dir) && !NoFollow.IsLink(dir) && !Directory.EnumerateFileSystemEntries(dir).Any();
             dir = Path.GetDirectoryName(dir)!)
            Directory.Delete(dir);
    }

    private static void RemoveFromMirror(string root, List<MaasBootResource> doomed, List<MaasBootResource> kept, Action<string> log, Action<string> warn)
    {
        var used = kept.SelectMany(r => r.Files).Select(f => f.RelativePath).ToHashSet(StringComparer.Ordinal);
        var state = MirrorLayout.LoadState(Path.Combine(root, MirrorLayout.StateFile));
        foreach (var resource in doomed)
        {
            foreach (var relative in resource.Files.Select(f => f.RelativePath))
            {
                if (used.Contains(relative))
                {
                    log($"Kept {relative}: another saved version uses it too.");
                    continue;
                }
                var local = Path.Combine(root, relative.Replace('/', Path.DirectorySeparatorChar));
                if (NoFollow.FindLinkBelow(root, local) is { } link)
                {
                    warn($"Not removing '{relative}': '{Path.GetRelativePath(root, link)}' on its way is a symbolic link, and a delete never follows one.");
                    continue;
                }
                var partial = FileFetcher.PartialPath(local);
                foreach (var leftover in new[] { local, partial, partial + ".json" })
                    if (File.Exists(leftover) || NoFollow.IsLink(leftover)) File.Delete(leftover);
                state.Remove(relative);
                RemoveEmptyFolders(root, Path.GetDirectoryName(local)!);
            }
            log($"Removed {resource.ProductName} {resource.VersionName} ({resource.Type}).");
        }
        MirrorLayout.WriteState(root, state);
    }
}
