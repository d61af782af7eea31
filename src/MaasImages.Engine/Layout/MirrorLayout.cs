using System.Text.Json;
using System.Text.Json.Serialization;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Platform;
using MaasImages.Engine.Security;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Transfer;

namespace MaasImages.Engine.Layout;

/// <summary>
/// Saves images as a servable simplestreams mirror: every file at its upstream relative path, and
/// the upstream metadata documents byte-for-byte as verified (.sjson, .json + .json.gpg as offered
/// and verifying), so signatures stay valid and MAAS can use the folder as a boot source.
/// </summary>
internal sealed class MirrorLayout : ILayoutJob<IReadOnlyList<MaasSavedImage>>
{
    /// <summary>What this tool has verified and owns under the mirror: path → sha256, size, mtime.</summary>
    internal const string StateFile = ".maasimages-mirror.json";

    private readonly SaveOptions _options;
    private readonly string _root;
    private readonly List<MaasImageVersion> _images;
    private readonly List<(MaasImageVersion Image, MaasImageFile File)> _files = [];
    private readonly List<DownloadItem> _downloads = [];
    private readonly List<DownloadItem> _toVerify = [];
    private readonly Dictionary<string, FileRecord> _state;
    private readonly MaasStream? _stream;
    /// <summary>What this run saves: -Prune removes only files of this kind (Save-MaasImage images, Install-MaasBootloader bootloaders).</summary>
    private readonly MaasContentKind _kind;

    public MirrorLayout(IReadOnlyList<MaasImageVersion> images, SaveOptions options, MaasContentKind kind)
    {
        _options = options;
        _kind = kind;
        _root = options.Destination;
        _images = images.DistinctBy(i => (i.ProductName, i.VersionName)).ToList();
        Report = new RunReport(SaveLayout.Mirror, kind) { Selected = _images.Count };
        // Before anything is fetched: one stream per root, and never older metadata than saved.
        _stream = MirrorMetadata.SingleStream(_root, _images, options.Force);
        if (_stream is not null)
            MirrorMetadata.EnsureNotStale(_root, _images.Select(i => i.Document).OfType<DocumentBytes>().Append(_stream.IndexDocument), options.Force);
        _state = LoadState(Path.Combine(_root, StateFile));
        foreach (var stream in _images.Select(i => i.Stream).Distinct())
            foreach (var document in stream.Contents.Select(c => c.Path).Prepend(stream.IndexPath))
                EnsureNoLinkOnTheWay(document);
        foreach (var image in _images)
        {
            foreach (var file in image.Files)
            {
                _files.Add((image, file));
                EnsureNoLinkOnTheWay(file.Path);
                var local = LocalPath(file.Path);
                var info = new FileInfo(local);
                var present = info.Exists && info.LinkTarget is null; // a link is never trusted: replaced by the file
                var recorded = _state.GetValueOrDefault(file.Path);
                if (present && info.Length == file.Size && !options.Force && recorded is not null &&
                    recorded.Sha256 == file.Sha256 && recorded.Size == file.Size && recorded.Modified == info.LastWriteTimeUtc.Ticks)
                    continue; // trusted: verified by an earlier run and untouched since
                var item = new DownloadItem(file.Uri, file.Sha256, file.Size, local, file.Path);
                if (present && info.Length == file.Size) _toVerify.Add(item); // hashed once, in SaveAsync
                else _downloads.Add(item);
            }
        }
    }

    public IReadOnlyList<DownloadItem> Downloads => _downloads;

    public RunReport Report { get; }

    /// <summary>UnsafeDestination when a folder on the way to <paramref name="relative"/> is a symbolic link: the file would land outside.</summary>
    private void EnsureNoLinkOnTheWay(string relative)
    {
        if (NoFollow.FindLinkBelow(_root, LocalPath(relative)) is { } link)
            throw new UnsafeDestinationException(_root,
                $"'{Path.GetRelativePath(_root, link)}' is a symbolic link (to '{new FileInfo(link).LinkTarget}'), so '{relative}' would be written outside the destination");
    }

    /// <summary>Links planted where a download, its partial or its sidecar goes are removed, never written through.</summary>
    private static void RemoveLinksAt(DownloadItem item)
    {
        var partial = FileFetcher.PartialPath(item.Destination);
        foreach (var path in new[] { item.Destination, partial, partial + ".json" })
            if (NoFollow.IsLink(path)) File.Delete(path);
    }

    public SavePlanSummary Summary()
    {
        var unique = _files.Select(f => f.File).DistinctBy(f => f.Path, StringComparer.Ordinal).ToList();
        var fetch = _downloads.DistinctBy(d => d.Destination, StringComparer.Ordinal).ToList();
        var fetching = fetch.Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        var saved = _state.Values.Where(r => r.Product is not null && r.Version is not null)
            .ToLookup(r => r.Product!, r => r.Version!, StringComparer.Ordinal);
        var summary = new SavePlanSummary(unique.Count, fetch.Count, fetch.Sum(d => d.Size), unique.Count - fetch.Count,
            unique.Sum(f => f.Size) - fetch.Sum(d => d.Size), fetch.Count == 0 && _toVerify.Count == 0)
        {
            Items = PlannedChanges.Of(_images, saved, image => image.Files.Any(f => fetching.Contains(f.Path))),
        };
        return PlannedChanges.WithFetches(summary, fetch, _toVerify.DistinctBy(v => v.Destination, StringComparer.Ordinal).ToList());
    }

    public async Task<IReadOnlyList<MaasSavedImage>> SaveAsync(TransferEngine engine, ITransferObserver observer, CancellationToken cancellationToken)
    {
        Action<string> log = observer.OnMessage;
        // Every form of the metadata is read and checked against what the mirror holds before any
        // file is hashed or fetched: a stale other form stops the run with nothing downloaded.
        var metadata = await GatherMetadataAsync(observer, cancellationToken).ConfigureAwait(false);
        // Present but never verified (or -Force): hash once; a wrong file is fetched again.
        var wrong = await ContentHash.VerifyAsync(_toVerify.DistinctBy(v => v.Destination, StringComparer.Ordinal).ToList(), observer, cancellationToken).ConfigureAwait(false);
        _downloads.AddRange(wrong);
        foreach (var item in _downloads) RemoveLinksAt(item);
        var failures = new FailedItems(observer);
        var failedPaths = new HashSet<string>(StringComparer.Ordinal);
        var fetched = await engine.RunAsync(_downloads,
            (item, error) => failures.Fail(_files.Where(f => LocalPath(f.File.Path) == item.Destination).Select(f => f.Image).Distinct(), error),
            cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (failures.Count > 0)
        {
            // The images that did download are laid out; a failed one's files are not recorded as
            // verified, and -Prune keeps every version of it the stream still lists.
            failedPaths = ProductPaths(_images.Where(failures.Contains));
            Report.Failed = failures.Count;
            _images.RemoveAll(failures.Contains);
            _files.RemoveAll(f => failures.Contains(f.Image));
            if (_images.Count == 0)
            {
                log("No item could be saved: the mirror is left as it was.");
                return [];
            }
        }
        foreach (var (image, file) in _files) Record(image, file);
        MirrorMetadata.Write(_root, metadata, observer.OnMessage);
        if (_options.Prune) Prune(log, failedPaths);
        if (_options.KeepVersions > 0 && failures.Count == 0) KeepNewestVersions(_options.KeepVersions, log);
        else if (_options.KeepVersions > 0) log("Not removing older versions: some items could not be saved, so their older versions stay.");
        SaveState();

        // A path several images share (the squashfs of ga and hwe kernels) counts once, for the first
        // of them: the outputs' BytesDownloaded add up to what the server sent.
        var downloaded = fetched.ToDictionary(r => r.Item.Destination, r => r.BytesDownloaded, StringComparer.Ordinal);
        var counted = new HashSet<string>(StringComparer.Ordinal);
        return _images.Select(image =>
        {
            var mine = _files.Where(f => f.Image == image).Select(f => f.File).ToList();
            long bytes = 0, reused = 0;
            foreach (var file in mine.Where(f => counted.Add(f.Path)))
            {
                if (downloaded.TryGetValue(LocalPath(file.Path), out var fetchedBytes)) bytes += fetchedBytes;
                else
                {
                    reused += file.Size;
                    Report.FilesReused++;
                    Report.BytesReused += file.Size;
                }
            }
            return new MaasSavedImage(image, SaveLayout.Mirror, _root, mine.Select(f => LocalPath(f.Path)).ToList(), bytes, reused);
        }).ToList();
    }

    /// <summary>
    /// The index and every products document it names, unchanged: the index cannot be edited
    /// without breaking its signature, so the mirror must hold all it names to stay a readable
    /// stream (documents are small; only selected files are downloaded). The bytes written are the
    /// bytes verified (see <see cref="MirrorMetadata"/>), never a second fetch. StaleMetadata for
    /// any of them (the forms not read yet included) before anything else is fetched.
    /// </summary>
    private async Task<List<DocumentBytes>> GatherMetadataAsync(ITransferObserver observer, CancellationToken cancellationToken)
    {
        if (_stream is null) return [];
        var documents = await MirrorMetadata.GatherAsync(_stream, _images, observer.OnWarning, cancellationToken).ConfigureAwait(false);
        MirrorMetadata.EnsureNotStale(_root, documents, _options.Force);
        return documents;
    }

    /// <summary>
    /// The file paths of every version the stream lists of these (failed) images' products: their
    /// previous versions, which the mirror's documents still offer, and so -Prune keeps.
    /// </summary>
    private static HashSet<string> ProductPaths(IEnumerable<MaasImageVersion> failed)
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var image in failed)
        {
            paths.UnionWith(image.Files.Select(f => f.Path));
            if (image.VersionProps.Parent is not { } product) continue;
            foreach (var (_, version) in product.Children("versions"))
                foreach (var (_, item) in version.Children("items"))
                    if (item.GetOwn("path") is { } path) paths.Add(path);
        }
        return paths;
    }

    /// <summary>Removes the files of this kind no longer selected, but <paramref name="keep"/> (failed images' versions).</summary>
    private void Prune(Action<string> log, IReadOnlySet<string> keep)
    {
        var selected = _files.Select(f => f.File.Path).Concat(keep).ToHashSet(StringComparer.Ordinal);
        foreach (var path in _state.Where(e => e.Value.KindOf(e.Key) == _kind && !selected.Contains(e.Key)).Select(e => e.Key).ToList())
            RemoveFile(path, $"Pruned {path}.", log);
    }

    /// <summary>
    /// -KeepVersions: of each product of this run's kind, the files of every version but the
    /// <paramref name="keep"/> newest (ordinal version names, as the stream orders them) go, unless
    /// a kept version or this run uses the same path. Files recorded before versions were recorded
    /// are never attributed to a version, so never removed.
    /// </summary>
    private void KeepNewestVersions(int keep, Action<string> log)
    {
        var recorded = _state.Where(e => e.Value.KindOf(e.Key) == _kind && e.Value.Product is not null && e.Value.Version is not null).ToList();
        var selected = _images.Select(i => (i.ProductName, i.VersionName)).ToHashSet();
        var doomed = new List<(string Product, string Version)>();
        foreach (var product in recorded.GroupBy(e => e.Value.Product!, StringComparer.Ordinal))
        {
            var versions = product.Select(e => e.Value.Version!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            // What this run saved stays, even an older version chosen on purpose.
            doomed.AddRange(versions.Take(Math.Max(0, versions.Count - keep)).Select(v => (product.Key, v)).Where(pv => !selected.Contains(pv)));
        }
        var doomedSet = doomed.ToHashSet();
        var stillUsed = _files.Select(f => f.File.Path)
            .Concat(_state.Where(e => !(e.Value.Product is { } p && e.Value.Version is { } v && doomedSet.Contains((p, v)))).Select(e => e.Key))
            .ToHashSet(StringComparer.Ordinal);
        foreach (var (product, version) in doomed)
        {
            var paths = recorded.Where(e => e.Value.Product == product && e.Value.Version == version).Select(e => e.Key).ToList();
            // A path a kept version also uses stays (and stays recorded).
            foreach (var path in paths.Where(p => !stillUsed.Contains(p)))
                RemoveFile(path, $"Removed {path} (keeping the {(keep == 1 ? "newest version" : $"{keep} newest versions")}).", log);
            log($"Removed {product} {version}: only the {(keep == 1 ? "newest version" : $"{keep} newest versions")} of each product {(keep == 1 ? "is" : "are")} kept.");
        }
    }

    /// <summary>Deletes a recorded file (never through a link) and the folders it leaves empty.</summary>
    private void RemoveFile(string path, string message, Action<string> log)
    {
        var local = LocalPath(path);
        if (NoFollow.FindLinkBelow(_root, local) is not null) return; // never delete through a link
        if (File.Exists(local) || NoFollow.IsLink(local)) File.Delete(local);
        _state.Remove(path);
        Report.Pruned++;
        log(message);
        for (var dir = Path.GetDirectoryName(local); dir is not null && dir.Length > _root.Length && Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any(); dir = Path.GetDirectoryName(dir))
            Directory.Delete(dir);
    }

    private void Record(MaasImageVersion image, MaasImageFile file)
    {
        var info = new FileInfo(LocalPath(file.Path));
        if (info.Exists) _state[file.Path] = new FileRecord(file.Sha256, file.Size, info.LastWriteTimeUtc.Ticks, _kind, image.ProductName, image.VersionName,
            file.Uri.AbsoluteUri);
    }

    private string LocalPath(string relative) => Path.Combine(_root, relative.Replace('/', Path.DirectorySeparatorChar));

    private static void WriteAtomically(string path, byte[] bytes) => AtomicFile.Write(path, bytes, ".partial");

    /// <summary>A verified file: its sha256, size, mtime when verified, kind, and the URL it was fetched from (Test-MaasBootResource -Repair).</summary>
    /// <param name="Product">The product and version the file was saved for (absent in records of earlier versions of this module).</param>
    /// <param name="Source">The URL it was fetched from (Test-MaasBootResource -Repair).</param>
    internal sealed record FileRecord(string Sha256, long Size, long Modified,
        [property: JsonConverter(typeof(JsonStringEnumConverter<MaasContentKind>))] MaasContentKind? Kind = null,
        string? Product = null, string? Version = null, string? Source = null)
    {
        /// <summary>Records written before kinds were recorded: bootloaders are the archives under bootloaders/ (images.maas.io's layout).</summary>
        public MaasContentKind KindOf(string path) =>
            Kind ?? (path.StartsWith("bootloaders/", StringComparison.Ordinal) ? MaasContentKind.Bootloaders : MaasContentKind.Images);
    }

    internal static Dictionary<string, FileRecord> LoadState(string path)
    {
        try
        {
            var state = File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllText(path), LayoutJson.Default.DictionaryStringFileRecord) ?? new() : new();
            // The file is on disk, so as untrusted as a stream: a path that could leave the mirror is forgotten, never pruned.
            foreach (var unsafePath in state.Keys.Where(key => PathSafety.FindProblem(key) is not null).ToList()) state.Remove(unsafePath);
            return state;
        }
        catch (JsonException)
        {
            return new(); // unknown files are simply verified again
        }
    }

    private void SaveState() => WriteState(_root, _state);

    /// <summary>Writes the state file of the mirror at <paramref name="root"/> atomically (also Remove-MaasBootResource, and Test-MaasBootResource -Repair).</summary>
    internal static void WriteState(string root, Dictionary<string, FileRecord> state) =>
        WriteAtomically(Path.Combine(root, StateFile), JsonSerializer.SerializeToUtf8Bytes(state, LayoutJson.Default.DictionaryStringFileRecord));
}
