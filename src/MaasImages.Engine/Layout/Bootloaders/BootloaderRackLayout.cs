using MaasImages.Engine.Layout.BootLinks;
using MaasImages.Engine.Platform;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Transfer;

namespace MaasImages.Engine.Layout.Bootloaders;

/// <summary>
/// Installs bootloaders into a rack layout: archives fetched to cache/&lt;sha256&gt;, their members
/// extracted once to cache/&lt;member&gt;-&lt;archive sha256&gt;, then a new snapshot (hard links to
/// the current one) gets bootloader/&lt;type&gt;/&lt;arch&gt;/, ipxe.cfg, grub/grub.cfg, the maas.meta
/// entries and the root links, before <c>current</c> is switched: TFTP never sees a snapshot
/// without its links.
/// </summary>
internal sealed class BootloaderRackLayout : ILayoutJob<IReadOnlyList<MaasBootloader>>
{
    private readonly SaveOptions _options;
    private readonly ArchiveLimits _limits;
    private readonly string _root;
    private readonly List<MaasImageVersion> _products;
    /// <summary>bootloader/&lt;type&gt;/&lt;arch&gt; of every bootloader selected (also one that fails): -Prune keeps only these.</summary>
    private readonly HashSet<string> _selectedFolders;
    private readonly string? _currentSnapshot;
    private readonly MaasMeta _currentMeta;
    private MaasMeta _newMeta;
    private readonly List<DownloadItem> _downloads = [];
    private readonly List<DownloadItem> _toVerify = [];
    /// <summary>Archives to unpack this run (downloaded, or in the cache from an interrupted run).</summary>
    private readonly List<(MaasImageVersion Product, MaasImageFile Archive)> _toExtract = [];
    /// <summary>Members already unpacked by an earlier run, per archive sha256.</summary>
    private readonly Dictionary<string, List<string>> _cachedMembers = new(StringComparer.Ordinal);
    /// <summary>Members unpacked by this run, per cache name: their own sha256 and size, and the archive they came from.</summary>
    private readonly Dictionary<string, CacheContent> _extracted = new(StringComparer.Ordinal);

    public BootloaderRackLayout(IReadOnlyList<MaasImageVersion> products, SaveOptions options, ArchiveLimits limits)
    {
        _options = options;
        _limits = limits;
        _root = options.Destination;
        _products = products.ToList();
        _selectedFolders = _products.Select(BootloaderSelection.Folder).ToHashSet(StringComparer.Ordinal);
        RackSnapshots.EnsureOwnFoldersAreReal(_root);
        _currentSnapshot = RackSnapshots.ResolveCurrent(_root);
        _currentMeta = _currentSnapshot is null ? MaasMeta.Empty() : MaasMeta.Load(Path.Combine(_currentSnapshot, RackSnapshots.MetaName));
        _newMeta = BuildMeta(_products);

        foreach (var product in _products)
        {
            foreach (var archive in BootloaderSelection.Archives(product))
            {
                var cachedArchive = RackSnapshots.CachePath(_root, archive.Sha256);
                var members = options.Force || File.Exists(cachedArchive) ? [] : CachedMembers(archive.Sha256);
                if (members.Count > 0) _cachedMembers[archive.Sha256] = members;
                else
                {
                    _toExtract.Add((product, archive));
                    var item = new DownloadItem(archive.Uri, archive.Sha256, archive.Size, cachedArchive, archive.Path);
                    if (!ContentHash.HasSize(cachedArchive, archive.Size)) _downloads.Add(item);
                    else if (options.Force) _toVerify.Add(item); // hashed once, in SaveAsync
                    // else: verified when downloaded; the extraction checks it is a sound archive
                }
            }
        }
    }

    public IReadOnlyList<DownloadItem> Downloads => _downloads;

    public RunReport Report { get; } = new(SaveLayout.Rack, MaasContentKind.Bootloaders) { PrunedNoun = "bootloader" };

    /// <summary>The maas.meta this run writes (planned before anything is fetched).</summary>
    internal byte[] PlannedMeta => _newMeta.ToBytes();

    /// <summary>
    /// maas.meta as MAAS 3.4 builds it (MaasMetaRules): the entries of <paramref name="installed"/>,
    /// and of any other product for the same type/arch folder (its files are about to be replaced),
    /// go; then the products are inserted in stream order. Other bootloaders keep their entries.
    /// </summary>
    private MaasMeta BuildMeta(IReadOnlyList<MaasImageVersion> installed)
    {
        var meta = _currentMeta.Clone();
        if (_options.Prune)
        {
            foreach (var (key, _) in meta.BootloaderEntries().ToList())
                if (!_selectedFolders.Contains($"bootloader/{key[4]}/{key[1]}")) meta.Remove(key);
        }
        MaasMetaRules.ApplyBootloaders(meta, installed, BootloaderSelection.TypeOf);
        return meta;
    }

    /// <summary>True when the current snapshot already is what this run would build.</summary>
    public bool NothingChanged
    {
        get
        {
            if (_currentSnapshot is null || _toExtract.Count > 0) return false;
            if (!_newMeta.IsWrittenAt(Path.Combine(_currentSnapshot, RackSnapshots.MetaName))) return false;
            if (!PreloaderConfigs.AreCurrent(_currentSnapshot)) return false;
            if (FoldersToPrune(_currentSnapshot).Any()) return false;
            var references = RackSnapshots.ReadReferences(_root, _currentSnapshot).Files;
            foreach (var (relative, cacheName) in Placements())
            {
                if (!File.Exists(Path.Combine(_currentSnapshot, relative)) || references.GetValueOrDefault(relative) != cacheName) return false;
            }
            return BootLinkMaker.Plan(_currentSnapshot, _options.Force).All(c => !c.ChangesDisk && !c.Occupied);
        }
    }

    public SavePlanSummary Summary()
    {
        var archives = _products.SelectMany(BootloaderSelection.Archives).DistinctBy(a => a.Sha256, StringComparer.Ordinal).ToList();
        var fetch = archives.Where(a => _downloads.Any(d => d.Sha256 == a.Sha256)).ToList();
        var reused = archives.Except(fetch).ToList();
        var fetching = fetch.Select(a => a.Sha256).ToHashSet(StringComparer.Ordinal);
        var saved = _currentMeta.BootloaderEntries().Select(e => (Product: MaasMeta.ProductOf(e.Entry), Version: MaasMeta.VersionOf(e.Entry)))
            .Where(e => e.Product is not null && e.Version is not null).ToLookup(e => e.Product!, e => e.Version!, StringComparer.Ordinal);
        var summary = new SavePlanSummary(archives.Count, fetch.Count, fetch.Sum(a => a.Size), reused.Count, reused.Sum(a => a.Size), NothingChanged)
        {
            Items = PlannedChanges.Of(_products, saved, product => BootloaderSelection.Archives(product).Any(a => fetching.Contains(a.Sha256))),
        };
        return PlannedChanges.WithFetches(summary, _downloads.DistinctBy(d => d.Sha256, StringComparer.Ordinal).ToList(), _toVerify);
    }

    public async Task<IReadOnlyList<MaasBootloader>> SaveAsync(TransferEngine engine, ITransferObserver observer, CancellationToken cancellationToken)
    {
        if (RackSnapshots.IgnoredCurrent(_root) is { } ignored) observer.OnWarning(ignored);
        RackSnapshots.RemoveLinksInCache(_root, observer.OnWarning);
        foreach (var wrong in await ContentHash.VerifyAsync(_toVerify, observer, cancellationToken).ConfigureAwait(false))
        {
            File.Delete(wrong.Destination); // -Force found it wrong
            _downloads.Add(wrong);
        }
        var nothingChanged = NothingChanged;
        Report.Selected = _products.Count;
        var failures = new FailedItems(observer);
        var fetched = await engine.RunAsync(_downloads, (item, error) => failures.Fail(UsersOf(item.Sha256), error), cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (!DropFailed(failures, observer)) return [];
        RemoveInterruptedExtractions();
        foreach (var (_, archive) in _toExtract.DistinctBy(e => e.Archive.Sha256, StringComparer.Ordinal).ToList())
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                _cachedMembers[archive.Sha256] = ExtractToCache(archive, observer.OnMessage);
            }
            catch (Errors.MaasImagesException refused) when (refused is Errors.UnsafeArchiveException or Errors.CorruptArchiveException)
            {
                // A hostile or damaged archive fails its bootloader(s) only (nothing of it was written).
                failures.Fail(UsersOf(archive.Sha256), refused);
            }
        }
        if (!DropFailed(failures, observer)) return [];
        if (failures.Count > 0) nothingChanged = false;

        string snapshot;
        if (nothingChanged)
        {
            observer.OnMessage($"Nothing changed: '{RackSnapshots.CurrentName}' stays on {Path.GetFileName(_currentSnapshot)}.");
            snapshot = _currentSnapshot!;
        }
        else
        {
            cancellationToken.ThrowIfCancellationRequested();
            snapshot = RackSnapshots.Build(_root, _currentSnapshot, observer.OnWarning, draft => Fill(draft, observer.OnMessage, observer.OnWarning), _options.CopyInsteadOfLinking);
            RackSnapshots.SwitchCurrent(_root, snapshot);
            observer.OnMessage($"'{RackSnapshots.CurrentName}' now points to {Path.GetFileName(snapshot)}.");
            Report.SnapshotMade = Path.GetFileName(snapshot);
        }
        var fetchedShas = fetched.Select(f => f.Item.Sha256).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var archive in _products.SelectMany(BootloaderSelection.Archives).DistinctBy(a => a.Sha256, StringComparer.Ordinal).Where(a => !fetchedShas.Contains(a.Sha256)))
        {
            Report.FilesReused++;
            Report.BytesReused += archive.Size;
        }
        // What failed bootloaders did fetch (an archive, or the members of their other archive) stays for the next run.
        RackSnapshots.CleanUp(_root, snapshot, observer.OnMessage, _options.KeepSnapshots, _currentSnapshot, observer.OnWarning,
            failures.Items.SelectMany(BootloaderSelection.Archives).Select(a => a.Sha256).ToHashSet(StringComparer.Ordinal));
        return _products.Select(product =>
        {
            var folder = Path.Combine(snapshot, BootloaderSelection.Folder(product));
            var files = Placements(product).Select(p => Path.Combine(snapshot, p.RelativePath)).ToList();
            return new MaasBootloader(product, SaveLayout.Rack, folder, files);
        }).ToList();
    }

    /// <summary>
    /// -Prune: the bootloader/&lt;type&gt;/&lt;arch&gt; folders of <paramref name="snapshot"/> this run
    /// did not select (a link there is removed itself, never followed). Never an image.
    /// </summary>
    private IEnumerable<string> FoldersToPrune(string snapshot)
    {
        if (!_options.Prune) yield break;
        var bootloader = new DirectoryInfo(Path.Combine(snapshot, "bootloader"));
        if (!bootloader.Exists || bootloader.LinkTarget is not null) yield break;
        foreach (var type in bootloader.EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            if (type is not DirectoryInfo typeFolder || type.LinkTarget is not null)
            {
                if (!_selectedFolders.Any(f => f.StartsWith($"bootloader/{type.Name}/", StringComparison.Ordinal))) yield return $"bootloader/{type.Name}";
                continue;
            }
            foreach (var arch in typeFolder.EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
                if (!_selectedFolders.Contains($"bootloader/{type.Name}/{arch.Name}")) yield return $"bootloader/{type.Name}/{arch.Name}";
        }
    }

    /// <summary>The selected bootloaders that use the archive with <paramref name="sha256"/>.</summary>
    private List<MaasImageVersion> UsersOf(string sha256) =>
        _products.Where(p => BootloaderSelection.Archives(p).Any(a => a.Sha256 == sha256)).ToList();

    /// <summary>
    /// Leaves the failed bootloaders out (each keeps its previous version, if any); false when
    /// none is left to install, and then nothing changes.
    /// </summary>
    private bool DropFailed(FailedItems failures, ITransferObserver observer)
    {
        if (failures.Count == 0) return true;
        Report.Failed = failures.Count;
        _products.RemoveAll(failures.Contains);
        _toExtract.RemoveAll(e => failures.Contains(e.Product));
        if (_products.Count == 0)
        {
            observer.OnMessage($"No bootloader could be installed: '{RackSnapshots.CurrentName}' is left as it was.");
            return false;
        }
        _newMeta = BuildMeta(_products);
        return true;
    }

    private void Fill(SnapshotDraft draft, Action<string> log, Action<string> warn)
    {
        var building = draft.Folder;
        foreach (var pruned in FoldersToPrune(building).ToList())
        {
            var folder = Path.Combine(building, pruned.Replace('/', Path.DirectorySeparatorChar));
            NoFollow.DeleteTree(folder);
            var type = Path.GetDirectoryName(folder)!;
            if (Path.GetFileName(Path.GetDirectoryName(type)) == "bootloader" && !Directory.EnumerateFileSystemEntries(type).Any()) Directory.Delete(type);
            log($"Pruned {pruned}: not selected by this run.");
            Report.Pruned++;
        }
        foreach (var product in _products)
        {
            // The product's folder holds exactly this version: files of the carried-forward one go.
            var folder = Path.Combine(building, BootloaderSelection.Folder(product));
            NoFollow.DeleteTree(folder);
            foreach (var (relative, cacheName) in Placements(product))
                draft.PlaceFromCache(cacheName, relative, _extracted.GetValueOrDefault(cacheName)); // else carried from the current record
        }
        PreloaderConfigs.Write(building);
        RackSnapshots.WriteMeta(building, _newMeta);

        var links = BootLinkMaker.Plan(building, _options.Force);
        BootLinkMaker.EnsureNothingInTheWay(links, _options.Force);
        foreach (var link in links) BootLinkMaker.Apply(link);
        var missing = links.Where(l => l.Status == BootLinkStatus.Missing).Select(l => l.Name).ToList();
        if (missing.Count > 0)
            warn($"No root link for {string.Join(", ", missing)}: their bootloaders are not installed (not selected by type and architecture, or not among the four MAAS installs).");
    }

    private IEnumerable<(string RelativePath, string CacheName)> Placements() => _products.SelectMany(Placements);

    /// <summary>bootloader/&lt;type&gt;/&lt;arch&gt;/&lt;member&gt; ← cache/&lt;member&gt;-&lt;archive sha256&gt;, for every archive of the product.</summary>
    private IEnumerable<(string RelativePath, string CacheName)> Placements(MaasImageVersion product)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var archive in BootloaderSelection.Archives(product))
        {
            if (!_cachedMembers.TryGetValue(archive.Sha256, out var members)) continue;
            foreach (var member in members)
                if (seen.Add(member)) // both uefi archives share a folder; the first by item name wins a clash
                    yield return ($"{BootloaderSelection.Folder(product)}/{member}", CacheName(member, archive.Sha256));
        }
    }

    private const string ExtractingPrefix = ".extracting-";

    /// <summary>Folders a killed run left half-filled; the lock says no other run is using them.</summary>
    private void RemoveInterruptedExtractions()
    {
        var cache = Path.Combine(_root, RackSnapshots.CacheName);
        if (!Directory.Exists(cache)) return;
        foreach (var leftover in Directory.EnumerateDirectories(cache, ExtractingPrefix + "*"))
            NoFollow.DeleteTree(leftover);
    }

    private static string CacheName(string member, string archiveSha256) => $"{member}-{archiveSha256}";

    /// <summary>Member names unpacked from this archive by an earlier run (cache/&lt;member&gt;-&lt;sha256&gt;).</summary>
    private List<string> CachedMembers(string archiveSha256)
    {
        var cache = Path.Combine(_root, RackSnapshots.CacheName);
        if (!Directory.Exists(cache)) return [];
        var suffix = "-" + archiveSha256;
        return Directory.EnumerateFiles(cache, "*" + suffix)
            .Where(file => !NoFollow.IsLink(file)) // never trusted (removed before the save)
            .Select(Path.GetFileName)
            .Select(name => name![..^suffix.Length])
            .Where(name => name.Length > 0)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// Unpacks a verified archive beside the cache, then moves its members into it. A refused
    /// archive is deleted with its half-extracted folder: nothing of it stays anywhere.
    /// </summary>
    private List<string> ExtractToCache(MaasImageFile archive, Action<string> log)
    {
        var cachedArchive = RackSnapshots.CachePath(_root, archive.Sha256);
        var temporary = RackSnapshots.CachePath(_root, $"{ExtractingPrefix}{archive.Sha256}-{Guid.NewGuid():N}");
        IReadOnlyList<string> members;
        try
        {
            members = ArchiveExtractor.Extract(cachedArchive, temporary, archive.Path, _limits);
        }
        catch (Errors.MaasImagesException)
        {
            File.Delete(cachedArchive);
            throw;
        }
        foreach (var member in members)
        {
            var extracted = Path.Combine(temporary, member);
            // Recorded now, from what the verified archive held: Test-MaasBootResource checks the served member against it.
            _extracted[CacheName(member, archive.Sha256)] = new CacheContent(ContentHash.Sha256Of(extracted), new FileInfo(extracted).Length,
                archive.Uri.AbsoluteUri, archive.Path, archive.Sha256, archive.Size, member);
            File.Move(extracted, RackSnapshots.CachePath(_root, CacheName(member, archive.Sha256)), overwrite: true);
        }
        NoFollow.DeleteTree(temporary);
        File.Delete(cachedArchive); // unpacked for good; its members are what snapshots link to
        log($"Unpacked {archive.Path}: {string.Join(", ", members)}.");
        return members.Order(StringComparer.Ordinal).ToList();
    }
}
