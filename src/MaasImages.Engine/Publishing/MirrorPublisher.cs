using System.Collections.Concurrent;
using System.Diagnostics;
using MaasImages.Engine.Layout;
using MaasImages.Engine.Transfer;

namespace MaasImages.Engine.Publishing;

/// <summary>
/// Publishes a local mirror to an <see cref="IMirrorStore"/> so that a reader polling it sees the
/// old mirror or the new one, never an index naming missing files: payload files first, then the
/// products documents, then streams/v1/index.* last; pruned objects go only after the new index.
/// An object whose recorded sha256 and size match the local file is skipped.
/// </summary>
public static class MirrorPublisher
{
    private const string StreamsFolder = "streams/";
    private const string IndexPrefix = "streams/v1/index.";
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>What a publication will do, before anything is changed (also all that -WhatIf does).</summary>
    public sealed record PublishPlan(
        IMirrorStore Store,
        bool ContainerMissing,
        IReadOnlyList<LocalObject> Uploads,
        IReadOnlyList<LocalObject> Unchanged,
        IReadOnlyList<StoredObject> Deletions)
    {
        public long UploadBytes => Uploads.Sum(u => u.Size);
    }

    /// <summary>The files of the mirror at <paramref name="root"/> that a reader needs: no hidden state, partials or links.</summary>
    public static IReadOnlyList<LocalObject> LocalFiles(string root)
    {
        var full = EnsureMirror(root);
        // Hashes Save-MaasImage recorded for files untouched since (same size and time) are trusted; the rest is hashed here.
        var recorded = MirrorLayout.LoadState(Path.Combine(full, MirrorLayout.StateFile));
        var files = new List<LocalObject>();
        Walk(new DirectoryInfo(full), "");
        return files;

        void Walk(DirectoryInfo folder, string relative)
        {
            foreach (var entry in folder.EnumerateFileSystemInfos())
            {
                // Hidden names are this module's state (.maasimages-*) or not part of a mirror; a link
                // could point anywhere on the machine, so it is never followed into the store.
                if (entry.Name.StartsWith('.') || entry.LinkTarget is not null) continue;
                var name = relative + entry.Name;
                if (entry is DirectoryInfo child) Walk(child, name + "/");
                else if (entry is FileInfo file && !name.EndsWith(".partial", StringComparison.Ordinal) && !name.EndsWith(".partial.json", StringComparison.Ordinal))
                {
                    var sha256 = recorded.GetValueOrDefault(name) is { } record && record.Size == file.Length && record.Modified == file.LastWriteTimeUtc.Ticks
                        ? record.Sha256
                        : ContentHash.Sha256Of(file.FullName);
                    files.Add(new LocalObject(name, file.FullName, file.Length, sha256, ContentTypeOf(name), IsDocument(name) ? "no-cache" : null));
                }
            }
        }
    }

    /// <summary>The full path of the mirror root; MirrorNotFound when it holds no streams/v1/index.</summary>
    private static string EnsureMirror(string root)
    {
        var full = Path.GetFullPath(root);
        if (!File.Exists(Path.Combine(full, "streams", "v1", "index.sjson")) && !File.Exists(Path.Combine(full, "streams", "v1", "index.json")))
            throw new MirrorNotFoundException(full);
        return full;
    }

    /// <summary>
    /// Publishes the mirror at <paramref name="root"/> holding its lock (the .maasimages.lock that
    /// Save-MaasImage and Install-MaasBootloader take), so a save running now is waited for
    /// (DestinationLocked after <see cref="PublishOptions.LockTimeout"/>) and none starts until the
    /// upload is done: what goes up is one consistent mirror, never a half-updated one. The plan is
    /// made under the lock and handed to <paramref name="confirm"/> (-WhatIf, -Confirm) before anything
    /// is changed; null when it declined.
    /// </summary>
    public static async Task<MaasMirrorPublication?> PublishAsync(string root, IMirrorStore store, PublishOptions options, Func<PublishPlan, Task<bool>> confirm,
        ITransferObserver observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(confirm);
        ArgumentNullException.ThrowIfNull(observer);
        var full = EnsureMirror(root); // before the lock: a folder that is not a mirror gets no lock file
        using var mirrorLock = await DestinationLock.AcquireAsync(full, options.LockTimeout, observer.OnWarning, cancellationToken).ConfigureAwait(false);
        var plan = await PlanAsync(full, store, options, cancellationToken).ConfigureAwait(false);
        if (!await confirm(plan).ConfigureAwait(false)) return null;
        return await PublishAsync(plan, options, observer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Documents are read as JSON or clear-signed text, byte for byte; the rest are payloads.
    /// Documents change in place, so caches (a CDN) must revalidate them.
    /// </summary>
    internal static string ContentTypeOf(string name) =>
        !IsDocument(name) ? "application/octet-stream"
        : name.EndsWith(".json", StringComparison.Ordinal) ? "application/json"
        : name.EndsWith(".sjson", StringComparison.Ordinal) ? "text/plain; charset=utf-8"
        : name.EndsWith(".gpg", StringComparison.Ordinal) ? "application/pgp-signature"
        : "application/octet-stream";

    private static bool IsDocument(string name) => name.StartsWith(StreamsFolder, StringComparison.Ordinal);

    /// <summary>0 payloads, 1 products documents, 2 the index: the order of the phases.</summary>
    internal static int PhaseOf(string name) =>
        name.StartsWith(IndexPrefix, StringComparison.Ordinal) ? 2 : IsDocument(name) ? 1 : 0;

    /// <summary>Compares the mirror with the store; changes nothing.</summary>
    public static async Task<PublishPlan> PlanAsync(string root, IMirrorStore store, PublishOptions options, CancellationToken cancellationToken)
    {
        var local = LocalFiles(root);
        var stored = await store.ListAsync(cancellationToken).ConfigureAwait(false);
        var uploads = new List<LocalObject>();
        var unchanged = new List<LocalObject>();
        foreach (var file in local)
        {
            if (stored?.GetValueOrDefault(file.Name) is { } existing && existing.Size == file.Size && existing.Sha256 == file.Sha256) unchanged.Add(file);
            else uploads.Add(file);
        }
        var names = local.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        var deletions = options.Prune && stored is not null
            ? stored.Values.Where(s => !names.Contains(s.Name)).OrderBy(s => s.Name, StringComparer.Ordinal).ToList()
            : [];
        return new PublishPlan(store, stored is null, uploads.OrderBy(u => PhaseOf(u.Name)).ThenBy(u => u.Name, StringComparer.Ordinal).ToList(), unchanged, deletions);
    }

    /// <summary>Carries out <paramref name="plan"/>: container, payloads, documents, index, then deletions (the caller holds the mirror's lock).</summary>
    internal static async Task<MaasMirrorPublication> PublishAsync(PublishPlan plan, PublishOptions options, ITransferObserver observer, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var store = plan.Store;
        if (plan.ContainerMissing)
        {
            var publicRead = options.PublicRead == true;
            observer.OnMessage($"Creating the container of {store.Location}{(publicRead ? " with anonymous read of its blobs" : "")}.");
            await store.CreateContainerAsync(publicRead, cancellationToken).ConfigureAwait(false);
        }
        else if (options.PublicRead is { } asked)
        {
            // Never changed on an existing container: readers (or a policy) may depend on it.
            var actual = await store.IsPublicReadAsync(cancellationToken).ConfigureAwait(false);
            if (actual != asked)
                observer.OnWarning($"The container of {store.Location} already exists and {(actual is null ? "its access level could not be read" : actual.Value ? "its blobs are readable anonymously" : "it is private")}: " +
                    $"it is left as it is ({(asked ? "anonymous read of blobs" : "private")} was asked; the access level is set only on a container this command creates). " +
                    $"Change it with: az storage container set-permission --public-access {(asked ? "blob" : "off")}");
        }

        var results = new ConcurrentBag<MaasPublishedObject>();
        foreach (var file in plan.Unchanged) results.Add(new MaasPublishedObject(file.Name, MaasPublishAction.Skipped, file.Size, 0, store.UrlOf(file.Name)));
        var progress = new UploadProgress(plan.Uploads, observer);
        using (var timer = new Timer(_ => progress.Report(false), null, ProgressInterval, ProgressInterval))
        {
            // One phase completes before the next starts: nothing is referenced before it is there.
            foreach (var phase in plan.Uploads.GroupBy(u => PhaseOf(u.Name)).OrderBy(g => g.Key))
            {
                await Parallel.ForEachAsync(phase, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.ThrottleLimit), CancellationToken = cancellationToken },
                    async (file, token) =>
                    {
                        progress.Start(file);
                        var sent = await store.UploadAsync(file, bytes => progress.Add(file, bytes), token).ConfigureAwait(false);
                        progress.Finish(file);
                        observer.OnMessage($"{file.Name}: uploaded {sent:N0} of {file.Size:N0} bytes ({file.ContentType}), sha256 {file.Sha256} recorded.");
                        results.Add(new MaasPublishedObject(file.Name, MaasPublishAction.Uploaded, file.Size, sent, store.UrlOf(file.Name)));
                    }).ConfigureAwait(false);
            }
        }
        progress.Report(true);

        // Only now does the index name the new set: what it no longer names can go.
        foreach (var stale in plan.Deletions)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await store.DeleteAsync(stale.Name, cancellationToken).ConfigureAwait(false);
            observer.OnMessage($"{stale.Name}: deleted (the mirror no longer has it).");
            results.Add(new MaasPublishedObject(stale.Name, MaasPublishAction.Deleted, stale.Size, 0, store.UrlOf(stale.Name)));
        }

        var objects = results.OrderBy(r => r.Action).ThenBy(r => PhaseOf(r.Name)).ThenBy(r => r.Name, StringComparer.Ordinal).ToList();
        return new MaasMirrorPublication(store.Location,
            objects.Count(o => o.Action == MaasPublishAction.Uploaded),
            objects.Count(o => o.Action == MaasPublishAction.Skipped),
            objects.Count(o => o.Action == MaasPublishAction.Deleted),
            objects.Sum(o => o.BytesSent),
            plan.Uploads.Sum(u => u.Size) + plan.Unchanged.Sum(u => u.Size),
            clock.Elapsed,
            objects);
    }

    /// <summary>The same progress events as downloads: overall bytes and files, and each active file.</summary>
    private sealed class UploadProgress(IReadOnlyList<LocalObject> files, ITransferObserver observer)
    {
        private readonly ConcurrentDictionary<string, (long Done, long Size)> _active = new(StringComparer.Ordinal);
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly long _total = files.Sum(f => f.Size);
        private long _done;
        private int _filesDone;

        public void Start(LocalObject file) => _active[file.Name] = (0, file.Size);

        public void Add(LocalObject file, long bytes)
        {
            Interlocked.Add(ref _done, bytes);
            _active.AddOrUpdate(file.Name, _ => (bytes, file.Size), (_, current) => (current.Done + bytes, current.Size));
        }

        public void Finish(LocalObject file)
        {
            _active.TryRemove(file.Name, out _);
            Interlocked.Increment(ref _filesDone);
        }

        public void Report(bool completed)
        {
            var done = Interlocked.Read(ref _done);
            var rate = done / Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
            TimeSpan? remaining = rate > 0 && !completed ? TimeSpan.FromSeconds(Math.Max(0, _total - done) / rate) : null;
            var active = _active.Select(a => new ActiveFile(a.Key, a.Value.Done, a.Value.Size)).OrderBy(a => a.Name, StringComparer.Ordinal).ToList();
            observer.OnProgress(new TransferSnapshot(done, _total, Volatile.Read(ref _filesDone), files.Count, rate, remaining, active, completed));
        }
    }
}
