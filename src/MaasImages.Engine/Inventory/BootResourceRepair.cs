using MaasImages.Engine.Errors;
using MaasImages.Engine.Layout;
using MaasImages.Engine.Layout.Bootloaders;
using MaasImages.Engine.Platform;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Transfer;

namespace MaasImages.Engine.Inventory;

/// <summary>A corrupt or missing file cannot be fetched again: nothing says where it came from.</summary>
public sealed class RepairSourceUnknownException(string path, string problem)
    : MaasImagesException("RepairSourceUnknown", MaasErrorKind.ObjectNotFound,
        $"Cannot repair '{path}': {problem}. Name the stream it was saved from (a URL or folder), or save it again.", path, remedy: MaasRemedy.RepairSource);

/// <summary>
/// Test-MaasBootResource -Repair: corrupt and missing files are fetched again through the
/// transfer engine (verified against the recorded sha256 and size) from the source recorded at
/// save time, or from -Source at the same stream-relative path. Rack: the cache file is replaced,
/// then a new snapshot (built from current by the same code every save uses) gets the file and
/// <c>current</c> is switched in one rename, under the destination lock: readers never see a half
/// repair. Mirror: the file is replaced at its path (written as .partial, renamed once verified)
/// and the mirror's record updated.
/// </summary>
internal static class BootResourceRepair
{
    public static async Task RepairAsync(BootResourceTree tree, IReadOnlyList<MaasBootResourceCheck> checks, VerifyOptions options, ITransferObserver observer,
        Action<MaasImagesException> error, CancellationToken cancellationToken)
    {
        var source = options.Source is null ? null : StreamSource.Resolve(null, options.Source);
        var broken = checks.Where(c => c.Status is MaasFileCheckStatus.Corrupt or MaasFileCheckStatus.Missing).ToList();
        try
        {
            using var destinationLock = await DestinationLock.AcquireAsync(tree.Root, options.LockTimeout, observer.OnWarning, cancellationToken).ConfigureAwait(false);
            // Under the lock, the tree must still be the one checked: a save meanwhile made a new current.
            if (tree.Layout == SaveLayout.Rack && RackSnapshots.ResolveCurrent(tree.Root) != tree.Snapshot)
            {
                observer.OnWarning($"'{RackSnapshots.CurrentName}' changed while the files were checked: nothing was repaired. Run Test-MaasBootResource again.");
                return;
            }
            if (tree.Layout == SaveLayout.Rack) await RepairRackAsync(tree, broken, source, options, observer, error, cancellationToken).ConfigureAwait(false);
            else await RepairMirrorAsync(tree, broken, source, options, observer, error, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && IoFailures.Translate(e, tree.Root) is not null)
        {
            throw IoFailures.Translate(e, tree.Root)!;
        }
    }

    private sealed record Fetch(MaasBootResourceCheck Check, MaasBootResourceFile File, DownloadItem Item);

    /// <summary>Where to fetch <paramref name="file"/> (for a member: its archive) from, or null after reporting why not.</summary>
    private static Uri? SourceOf(MaasBootResourceFile file, string? recorded, string? sourcePath, StreamSource? source, Action<MaasImagesException> error)
    {
        if (source is not null)
        {
            if (sourcePath is not null && Security.PathSafety.FindProblem(sourcePath) is null) return source.Resolve(sourcePath);
            error(new RepairSourceUnknownException(file.Path, "its path in the stream was not recorded when it was saved"));
            return null;
        }
        if (recorded is not null && Uri.TryCreate(recorded, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" or "file") return uri;
        error(new RepairSourceUnknownException(file.Path, recorded is null ? "no source was recorded when it was saved" : $"the recorded source '{recorded}' is not an http(s) or file URL"));
        return null;
    }

    private static MaasBootResourceFile? FileOf(MaasBootResourceCheck check) => check.Resource?.Files.FirstOrDefault(f => f.RelativePath == check.RelativePath);

    private static async Task RepairRackAsync(BootResourceTree tree, List<MaasBootResourceCheck> broken, StreamSource? source, VerifyOptions options,
        ITransferObserver observer, Action<MaasImagesException> error, CancellationToken cancellationToken)
    {
        var root = tree.Root;
        var references = RackSnapshots.ReadReferences(root, tree.Snapshot!);
        var images = new List<Fetch>();
        Dictionary<string, (string Path, long Size)>? bySha256 = null;
        var members = new List<(MaasBootResourceCheck Check, CacheContent Content, DownloadItem Archive)>();
        foreach (var check in broken)
        {
            if (FileOf(check) is not { CacheName: { } cacheName, Sha256: { } sha256 } file)
            {
                error(new RepairSourceUnknownException(check.Path, "it is not known which cache file it is"));
                continue;
            }
            var content = references.Content.GetValueOrDefault(cacheName);
            if (content?.ArchiveSha256 is { } archiveSha && content.Member is not null && content.ArchiveSize is { } archiveSize)
            {
                // The record is a file on disk, as untrusted as a stream: names from it must be what this module writes.
                if (!RackInventory.IsSha256(archiveSha) || Security.PathSafety.FindSegmentProblem(content.Member) is not null || cacheName != $"{content.Member}-{archiveSha}")
                {
                    error(new RepairSourceUnknownException(file.Path, "its record names no cache file this module would write"));
                    continue;
                }
                if (SourceOf(file, content.Source, content.SourcePath, source, error) is { } archiveUri)
                    members.Add((check, content, new DownloadItem(archiveUri, archiveSha, archiveSize, RackSnapshots.CachePath(root, archiveSha), content.SourcePath ?? archiveSha)));
                continue;
            }
            if (!RackInventory.IsSha256(cacheName))
            {
                error(new RepairSourceUnknownException(file.Path, "it is not known which cache file it is"));
                continue;
            }
            if (source is not null && (file.ExpectedSize is null || file.SourcePath is null))
            {
                // Not recorded (a tree MAAS wrote): the stream at -Source says where the content with this sha256 is.
                bySha256 ??= await ItemsBySha256Async(source, cancellationToken).ConfigureAwait(false);
                if (bySha256.TryGetValue(cacheName, out var item))
                    images.Add(new Fetch(check, file, new DownloadItem(source.Resolve(item.Path), sha256, item.Size, RackSnapshots.CachePath(root, cacheName), item.Path)));
                else error(new RepairSourceUnknownException(file.Path, $"no file of the stream at '{source.Root}' has its sha256 {cacheName}"));
                continue;
            }
            if (file.ExpectedSize is not { } size)
            {
                error(new RepairSourceUnknownException(file.Path, "its size and source were not recorded when it was saved"));
                continue;
            }
            if (SourceOf(file, file.Source, file.SourcePath, source, error) is { } uri)
                images.Add(new Fetch(check, file, new DownloadItem(uri, sha256, size, RackSnapshots.CachePath(root, cacheName), file.SourcePath ?? cacheName)));
        }
        if (images.Count == 0 && members.Count == 0) return;

        RackSnapshots.EnsureOwnFoldersAreReal(root);
        RackSnapshots.RemoveLinksInCache(root, observer.OnWarning);
        // The damaged cache file is the damaged inode: unlink it so the fetch writes a new one (current keeps serving the old until the switch).
        foreach (var item in images.Select(f => f.Item).Concat(members.Select(m => m.Archive)).DistinctBy(i => i.Destination, StringComparer.Ordinal))
            File.Delete(item.Destination);
        var failed = new HashSet<string>(StringComparer.Ordinal);
        var engine = new TransferEngine(options.Transfer, observer);
        var downloads = images.Select(f => f.Item).Concat(members.Select(m => m.Archive)).DistinctBy(i => i.Destination, StringComparer.Ordinal).ToList();
        TransferEngine.EnsureFreeSpace(root, downloads);
        await engine.RunAsync(downloads, (item, e) => { failed.Add(item.Destination); error(e); }, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();

        // What an image file was fetched from is recorded with it, so the next repair needs no -Source.
        var placements = new List<(MaasBootResourceCheck Check, string CacheName, CacheContent? Content)>();
        placements.AddRange(images.Where(f => !failed.Contains(f.Item.Destination))
            .Select(f => (f.Check, f.File.CacheName!, (CacheContent?)new CacheContent(f.Item.Sha256, f.Item.Size, f.Item.Source.AbsoluteUri, f.Item.Name))));
        foreach (var archive in members.Where(m => !failed.Contains(m.Archive.Destination)).GroupBy(m => m.Archive.Destination, StringComparer.Ordinal))
            placements.AddRange(ExtractMembers(root, archive.ToList(), error));
        if (placements.Count == 0) return;

        var snapshot = RackSnapshots.Build(root, tree.Snapshot, observer.OnWarning, draft =>
        {
            foreach (var (check, cacheName, content) in placements) draft.PlaceFromCache(cacheName, check.RelativePath, content);
        });
        RackSnapshots.SwitchCurrent(root, snapshot);
        observer.OnMessage($"Repaired {Formatting.Counted.Of(placements.Count, "file")}: '{RackSnapshots.CurrentName}' now points to {Path.GetFileName(snapshot)}.");
        // Every other snapshot stays (the damaged one too, as it was): a repair never removes what a save's -KeepSnapshots kept.
        RackSnapshots.CleanUp(root, snapshot, observer.OnMessage, keepSnapshots: RackSnapshots.Snapshots(root).Count, warn: observer.OnWarning);
        foreach (var (check, _, _) in placements) check.Repaired = true;
    }

    /// <summary>
    /// Every file the stream at <paramref name="source"/> offers, by sha256 (its path and size). The
    /// documents are read without a signature check on purpose: they only say where to look; what
    /// is fetched must have the sha256 already on disk (the cache name), or it is refused.
    /// </summary>
    private static async Task<Dictionary<string, (string Path, long Size)>> ItemsBySha256Async(StreamSource source, CancellationToken cancellationToken)
    {
        var stream = await StreamClient.OpenAsync(source, skipSignatureCheck: true, cancellationToken).ConfigureAwait(false);
        var items = new Dictionary<string, (string, long)>(StringComparer.Ordinal);
        foreach (var content in stream.Contents.Where(c => c.Kind is MaasContentKind.Images or MaasContentKind.Bootloaders && c.IsSupportedFormat))
            foreach (var version in await StreamClient.GetImageVersionsAsync(stream, content, new ImageQuery(), cancellationToken).ConfigureAwait(false))
                foreach (var file in version.Files)
                    items.TryAdd(file.Sha256, (file.Path, file.Size));
        return items;
    }

    /// <summary>
    /// Unpacks the verified archive beside the cache and takes the broken members from it, each
    /// checked against the sha256 recorded at its first extraction; the archive then goes, as after an install.
    /// </summary>
    private static List<(MaasBootResourceCheck, string, CacheContent?)> ExtractMembers(string root,
        List<(MaasBootResourceCheck Check, CacheContent Content, DownloadItem Archive)> wanted, Action<MaasImagesException> error)
    {
        var archive = wanted[0].Archive;
        var temporary = RackSnapshots.CachePath(root, $".repairing-{archive.Sha256}-{Guid.NewGuid():N}");
        var placed = new List<(MaasBootResourceCheck, string, CacheContent?)>();
        try
        {
            ArchiveExtractor.Extract(archive.Destination, temporary, archive.Name, ArchiveLimits.Default);
            foreach (var (check, content, _) in wanted)
            {
                var member = Path.Combine(temporary, content.Member!);
                var cacheName = $"{content.Member}-{content.ArchiveSha256}";
                if (!File.Exists(member) || ContentHash.Sha256Of(member) != content.Sha256)
                {
                    var found = File.Exists(member);
                    error(new ChecksumMismatchException(check.Path, content.Sha256, found ? ContentHash.Sha256Of(member) : "(not in the archive)",
                        content.Size, found ? new FileInfo(member).Length : 0));
                    continue;
                }
                File.Move(member, RackSnapshots.CachePath(root, cacheName), overwrite: true);
                placed.Add((check, cacheName, null)); // its record is carried from current
            }
        }
        catch (MaasImagesException e)
        {
            error(e);
        }
        finally
        {
            NoFollow.DeleteTree(temporary);
            File.Delete(archive.Destination);
        }
        return placed;
    }

    private static async Task RepairMirrorAsync(BootResourceTree tree, List<MaasBootResourceCheck> broken, StreamSource? source, VerifyOptions options,
        ITransferObserver observer, Action<MaasImagesException> error, CancellationToken cancellationToken)
    {
        var fetches = new List<Fetch>();
        foreach (var check in broken)
        {
            if (FileOf(check) is not { Sha256: { } sha256, ExpectedSize: { } size } file)
            {
                error(new RepairSourceUnknownException(check.Path, "no record says what it should be"));
                continue;
            }
            if (NoFollow.FindLinkBelow(tree.Root, file.Path) is not null)
            {
                error(new UnsafeDestinationException(tree.Root, $"a folder on the way to '{file.RelativePath}' is a symbolic link"));
                continue;
            }
            if (SourceOf(file, file.Source, file.SourcePath, source, error) is { } uri)
                fetches.Add(new Fetch(check, file, new DownloadItem(uri, sha256, size, file.Path, file.RelativePath)));
        }
        if (fetches.Count == 0) return;
        foreach (var fetch in fetches)
            if (NoFollow.IsLink(fetch.Item.Destination)) File.Delete(fetch.Item.Destination); // replaced, never written through
        var downloads = fetches.Select(f => f.Item).DistinctBy(i => i.Destination, StringComparer.Ordinal).ToList();
        TransferEngine.EnsureFreeSpace(tree.Root, downloads);
        var failed = new HashSet<string>(StringComparer.Ordinal);
        await new TransferEngine(options.Transfer, observer).RunAsync(downloads, (item, e) => { failed.Add(item.Destination); error(e); }, cancellationToken)
            .ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        var state = MirrorInventory.State(tree.Root);
        foreach (var fetch in fetches.Where(f => !failed.Contains(f.Item.Destination)))
        {
            var previous = state.GetValueOrDefault(fetch.File.RelativePath);
            state[fetch.File.RelativePath] = new MirrorLayout.FileRecord(fetch.Item.Sha256, fetch.Item.Size, new FileInfo(fetch.Item.Destination).LastWriteTimeUtc.Ticks,
                previous?.Kind, fetch.Item.Source.AbsoluteUri);
            fetch.Check.Repaired = true;
        }
        MirrorLayout.WriteState(tree.Root, state);
        observer.OnMessage($"Repaired {Formatting.Counted.Of(fetches.Count - failed.Count, "file")} of the mirror '{tree.Root}'.");
    }
}
