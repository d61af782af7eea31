using MaasImages.Engine.Platform;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Transfer;

namespace MaasImages.Engine.Layout;

/// <summary>
/// Saves images as a MAAS rack controller lays them out (rack-layout.md): content-addressed
/// cache/, a new snapshot made of hard links, maas.meta, and <c>current</c> switched atomically.
/// </summary>
internal sealed class RackLayout : ILayoutJob<IReadOnlyList<MaasSavedImage>>
{
    public const string CurrentName = RackSnapshots.CurrentName;
    public const string MetaName = RackSnapshots.MetaName;

    private readonly SaveOptions _options;
    private readonly string _root;
    private readonly List<MaasImageVersion> _images;
    private readonly List<(MaasImageVersion Image, string RelativePath, MaasImageFile File)> _placements = [];
    private readonly List<DownloadItem> _downloads = [];
    private readonly HashSet<string> _reused = new(StringComparer.Ordinal);
    /// <summary>-Force: cached files of the right size, to hash before they are trusted.</summary>
    private readonly List<DownloadItem> _toVerify = [];
    private readonly MaasMeta _currentMeta;
    private MaasMeta _newMeta;
    /// <summary>-Prune: only this selection stays (an image of it that failed keeps its previous version).</summary>
    private readonly bool _prune;
    /// <summary>Images of the run that could not be saved: their previous version, if any, stays, also with -Prune.</summary>
    private readonly List<MaasImageVersion> _failed = [];
    private readonly string? _currentSnapshot;

    public RackLayout(IReadOnlyList<MaasImageVersion> images, SaveOptions options)
    {
        _options = options;
        _root = options.Destination;
        // A snapshot holds the newest version of each product only.
        _images = images.GroupBy(i => i.ProductName, StringComparer.Ordinal)
            .Select(g => g.OrderBy(i => i.VersionName, StringComparer.Ordinal).Last())
            .OrderBy(i => i.ProductName, StringComparer.Ordinal)
            .ToList();
        RackSnapshots.EnsureOwnFoldersAreReal(_root);
        _currentSnapshot = RackSnapshots.ResolveCurrent(_root);
        _currentMeta = _currentSnapshot is null ? MaasMeta.Empty() : MaasMeta.Load(Path.Combine(_currentSnapshot, MetaName));
        _prune = options.Prune;
        _newMeta = BuildMeta(_images);

        foreach (var image in _images)
        {
            foreach (var folder in RackPlacement.SubarchFolders(image))
            {
                foreach (var file in RackPlacement.Files(image))
                    _placements.Add((image, $"{RackPlacement.Folder(image, folder)}/{Path.GetFileName(file.Path)}", file));
            }
        }
        foreach (var file in _placements.Select(p => p.File).DistinctBy(f => f.Sha256, StringComparer.Ordinal))
        {
            var item = new DownloadItem(file.Uri, file.Sha256, file.Size, CachePath(file.Sha256), file.Path);
            if (!ContentHash.HasSize(item.Destination, file.Size)) _downloads.Add(item);
            else if (options.Force) _toVerify.Add(item); // hashed once, in SaveAsync: cancellable, with progress
            else _reused.Add(file.Sha256);
        }
    }

    public IReadOnlyList<DownloadItem> Downloads => _downloads;

    public RunReport Report { get; } = new(SaveLayout.Rack, MaasContentKind.Images) { PrunedNoun = "image" };

    /// <summary>The maas.meta this run writes (planned before anything is fetched).</summary>
    internal byte[] PlannedMeta => _newMeta.ToBytes();

    /// <summary>
    /// maas.meta as MAAS 3.4 builds it for <paramref name="saved"/>: their products lose their old
    /// entries and are inserted again in stream order; entries of carried images stay and, being
    /// there first, keep the alias keys they hold (MaasMetaRules). With -Prune only they stay.
    /// </summary>
    private MaasMeta BuildMeta(IReadOnlyList<MaasImageVersion> saved)
    {
        var meta = _currentMeta.Clone();
        MaasMetaRules.ApplyImages(meta, saved, _prune, _failed.Select(f => f.ProductName).ToHashSet(StringComparer.Ordinal));
        return meta;
    }

    /// <summary>-Prune: the images of the current snapshot this run drops, one line per image (an image has an entry per alias).</summary>
    private IEnumerable<string> Dropped()
    {
        var kept = _newMeta.ImageEntries().Select(e => (MaasMeta.ProductOf(e.Entry), MaasMeta.VersionOf(e.Entry))).ToHashSet();
        foreach (var gone in _currentMeta.ImageEntries().GroupBy(e => (MaasMeta.ProductOf(e.Entry), MaasMeta.VersionOf(e.Entry))).Where(g => !kept.Contains(g.Key)))
            yield return $"{gone.Key.Item1} {gone.Key.Item2} ({gone.Count()} maas.meta {(gone.Count() == 1 ? "entry" : "entries")})";
    }

    /// <summary>True when the snapshot would be the current one again: maas.meta byte for byte, every file in place.</summary>
    public bool NothingChanged => Unchanged(fetchedAny: _downloads.Count > 0 || _toVerify.Count > 0);

    private bool Unchanged(bool fetchedAny) =>
        _currentSnapshot is not null && !fetchedAny &&
        _newMeta.IsWrittenAt(Path.Combine(_currentSnapshot, MetaName)) &&
        _placements.All(p => File.Exists(Path.Combine(_currentSnapshot, p.RelativePath)));

    public SavePlanSummary Summary()
    {
        var unique = _placements.Select(p => p.File).DistinctBy(f => f.Sha256, StringComparer.Ordinal).ToList();
        var fetching = _downloads.Select(d => d.Sha256).ToHashSet(StringComparer.Ordinal);
        var saved = _currentMeta.ImageEntries().Select(e => (Product: MaasMeta.ProductOf(e.Entry), Version: MaasMeta.VersionOf(e.Entry)))
            .Where(e => e.Product is not null && e.Version is not null).ToLookup(e => e.Product!, e => e.Version!, StringComparer.Ordinal);
        var summary = new SavePlanSummary(unique.Count, _downloads.Count, _downloads.Sum(d => d.Size),
            _reused.Count + _toVerify.Count, unique.Where(f => !fetching.Contains(f.Sha256)).Sum(f => f.Size), NothingChanged)
        {
            Items = PlannedChanges.Of(_images, saved, image => RackPlacement.Files(image).Any(f => fetching.Contains(f.Sha256))),
        };
        return PlannedChanges.WithFetches(summary, _downloads, _toVerify);
    }

    public async Task<IReadOnlyList<MaasSavedImage>> SaveAsync(TransferEngine engine, ITransferObserver observer, CancellationToken cancellationToken)
    {
        Action<string> log = observer.OnMessage;
        if (RackSnapshots.IgnoredCurrent(_root) is { } ignored) observer.OnWarning(ignored);
        RackSnapshots.RemoveLinksInCache(_root, observer.OnWarning);
        foreach (var wrong in await ContentHash.VerifyAsync(_toVerify, observer, cancellationToken).ConfigureAwait(false))
        {
            File.Delete(wrong.Destination); // -Force found it wrong; the snapshot's own link keeps serving until the switch
            _downloads.Add(wrong);
        }
        foreach (var verified in _toVerify.Where(v => !_downloads.Contains(v))) _reused.Add(verified.Sha256);
        _toVerify.Clear();
        var nothingChanged = NothingChanged;
        Report.Selected = _images.Count;
        var failures = new FailedItems(observer);
        var fetched = await engine.RunAsync(_downloads,
            (item, error) => failures.Fail(_placements.Where(p => p.File.Sha256 == item.Sha256).Select(p => p.Image).Distinct(), error),
            cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (failures.Count > 0)
        {
            // Lay out what did download; a failed image keeps its previous version, if any, also
            // with -Prune (which still drops the images not selected).
            _failed.AddRange(_images.Where(failures.Contains));
            Report.Failed = _failed.Count;
            _images.RemoveAll(failures.Contains);
            _placements.RemoveAll(p => failures.Contains(p.Image));
            if (_images.Count == 0)
            {
                log($"No image could be saved: '{CurrentName}' is left as it was.");
                return [];
            }
            _newMeta = BuildMeta(_images);
            nothingChanged = Unchanged(fetchedAny: fetched.Count > 0);
        }

        string snapshot;
        if (nothingChanged)
        {
            log($"Nothing changed: '{CurrentName}' stays on {Path.GetFileName(_currentSnapshot)}.");
            snapshot = _currentSnapshot!;
        }
        else
        {
            cancellationToken.ThrowIfCancellationRequested();
            snapshot = BuildSnapshot(observer.OnWarning);
            RackSnapshots.SwitchCurrent(_root, snapshot);
            log($"'{CurrentName}' now points to {Path.GetFileName(snapshot)}.");
            Report.SnapshotMade = Path.GetFileName(snapshot);
            foreach (var dropped in Dropped())
            {
                log($"Pruned {dropped}.");
                Report.Pruned++;
            }
        }
        RackSnapshots.CleanUp(_root, snapshot, log, _options.KeepSnapshots, _currentSnapshot, observer.OnWarning, FailedContent());
        return Results(snapshot, fetched);
    }

    /// <summary>The files of failed images that did download stay in the cache: the next run reuses them.</summary>
    private HashSet<string> FailedContent() =>
        _failed.SelectMany(RackPlacement.Files).Select(f => f.Sha256).ToHashSet(StringComparer.Ordinal);

    /// <summary>Folders (relative, '/'-separated) of the failed images' previous versions, which -Prune keeps.</summary>
    private HashSet<string> FailedFolders() =>
        _failed.SelectMany(image => RackPlacement.SubarchFolders(image).Select(folder => RackPlacement.Folder(image, folder)))
            .ToHashSet(StringComparer.Ordinal);

    private string BuildSnapshot(Action<string> log) =>
        RackSnapshots.Build(_root, _currentSnapshot, log, draft =>
        {
            var building = draft.Folder;
            // Carried forward: bootloaders, links, other images. Folders come from the images, never
            // from maas.meta keys: one image has many entries (aliases), and an alias key can name
            // another image's folder.
            if (_prune)
            {
                // Only this selection stays: every image tree goes (but the folders of failed images'
                // previous versions), the run's files are placed again below.
                var keep = FailedFolders();
                foreach (var os in _currentMeta.ImageEntries().Select(e => e.KeyPath[0]).Distinct(StringComparer.Ordinal))
                    RemoveImageTree(building, os, keep);
            }
            // The run's folders hold exactly the new version: files of the one carried forward go.
            foreach (var folder in _placements.Select(p => p.RelativePath[..p.RelativePath.LastIndexOf('/')]).Distinct(StringComparer.Ordinal))
            {
                if (RealFolder(building, folder) is { } real) NoFollow.DeleteTree(real.FullName);
            }
            foreach (var (_, relative, file) in _placements)
                draft.PlaceFromCache(file.Sha256, relative, new CacheContent(file.Sha256, file.Size, file.Uri.AbsoluteUri, file.Path));
            RemoveEmptyFolders(building);
            RackSnapshots.WriteMeta(building, _newMeta);
        }, _options.CopyInsteadOfLinking);

    /// <summary>Folder names at the snapshot root that are never an image's os folder.</summary>
    private static readonly HashSet<string> NotImageFolders = new(StringComparer.Ordinal) { "bootloader", "grub" };

    /// <summary>
    /// Deletes &lt;os&gt;/ of the building snapshot but the folders in <paramref name="keep"/> (relative
    /// to the snapshot): a real folder with a plain name only, never through a link.
    /// </summary>
    private static void RemoveImageTree(string building, string os, IReadOnlySet<string> keep)
    {
        if (os.Length == 0 || os is "." or ".." || os.IndexOfAny(['/', '\\', '\0']) >= 0 || NotImageFolders.Contains(os)) return;
        var tree = new DirectoryInfo(Path.Combine(building, os));
        if (tree.Exists && tree.LinkTarget is null) RemoveAllBut(tree, os, keep);

        static void RemoveAllBut(DirectoryInfo folder, string relative, IReadOnlySet<string> keep)
        {
            if (keep.Contains(relative)) return;
            if (!keep.Any(k => k.StartsWith(relative + "/", StringComparison.Ordinal)))
            {
                NoFollow.DeleteTree(folder.FullName);
                return;
            }
            foreach (var entry in folder.EnumerateFileSystemInfos())
            {
                if (entry is DirectoryInfo sub && sub.LinkTarget is null) RemoveAllBut(sub, relative + "/" + sub.Name, keep);
                else NoFollow.DeleteTree(entry.FullName);
            }
        }
    }

    /// <summary>
    /// The folder at <paramref name="relative"/> ('/'-separated) under <paramref name="building"/>
    /// when it and every folder above it are real folders; null when absent or reached through a
    /// link (a delete never follows one).
    /// </summary>
    private static DirectoryInfo? RealFolder(string building, string relative)
    {
        var current = new DirectoryInfo(building);
        foreach (var segment in relative.Split('/'))
        {
            current = new DirectoryInfo(Path.Combine(current.FullName, segment));
            if (!current.Exists || current.LinkTarget is not null) return null;
        }
        return current;
    }

    /// <summary>Image folders left empty go, so the tree holds only what maas.meta lists.</summary>
    private static void RemoveEmptyFolders(string building)
    {
        foreach (var os in new DirectoryInfo(building).EnumerateDirectories())
        {
            if (os.LinkTarget is not null || NotImageFolders.Contains(os.Name)) continue;
            RemoveIfEmpty(os);
        }

        static bool RemoveIfEmpty(DirectoryInfo dir)
        {
            var empty = true;
            foreach (var entry in dir.EnumerateFileSystemInfos())
                empty &= entry is DirectoryInfo sub && sub.LinkTarget is null && RemoveIfEmpty(sub);
            if (empty) dir.Delete();
            return empty;
        }
    }

    /// <remarks>
    /// A file several images share (the squashfs of ga and hwe kernels) counts once, for the first of
    /// them: the outputs' BytesDownloaded add up to what the server sent, their BytesReused to what
    /// was already here.
    /// </remarks>
    private List<MaasSavedImage> Results(string snapshot, IReadOnlyList<FileResult> fetched)
    {
        var downloadedBySha = fetched.ToDictionary(r => r.Item.Sha256, r => r.BytesDownloaded, StringComparer.Ordinal);
        var counted = new HashSet<string>(StringComparer.Ordinal);
        var results = new List<MaasSavedImage>();
        foreach (var image in _images)
        {
            var mine = _placements.Where(p => p.Image == image).ToList();
            long downloaded = 0, reused = 0;
            foreach (var file in mine.Select(p => p.File).DistinctBy(f => f.Sha256, StringComparer.Ordinal))
            {
                if (!counted.Add(file.Sha256)) continue;
                if (downloadedBySha.TryGetValue(file.Sha256, out var bytes)) downloaded += bytes;
                else
                {
                    reused += file.Size;
                    Report.FilesReused++;
                    Report.BytesReused += file.Size;
                }
            }
            results.Add(new MaasSavedImage(image, SaveLayout.Rack, snapshot,
                mine.Select(p => Path.Combine(snapshot, p.RelativePath)).ToList(), downloaded, reused));
        }
        return results;
    }

    private string CachePath(string sha256) => RackSnapshots.CachePath(_root, sha256);
}
