using System.Collections.Concurrent;
using System.Diagnostics;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Platform;

namespace MaasImages.Engine.Transfer;

/// <summary>
/// The one download engine: de-duplicates by SHA-256 (a squashfs shared by several kernels is
/// fetched once), checks free space first, fetches in bounded parallelism, reports progress at
/// most four times a second, and places duplicates by hard link (or copy).
/// </summary>
public sealed class TransferEngine
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    private readonly TransferOptions _options;
    private readonly ITransferObserver _observer;

    public TransferEngine(TransferOptions options, ITransferObserver observer)
    {
        _options = options;
        _observer = observer;
    }

    /// <summary>Bytes that must still cross the network for <paramref name="items"/> (partials count as done).</summary>
    public static long BytesStillNeeded(IEnumerable<DownloadItem> items) =>
        Unique(items).Sum(group =>
        {
            var partial = new FileInfo(FileFetcher.PartialPath(group.Key.Destination));
            return Math.Max(0, group.Key.Size - (partial.Exists && partial.Length <= group.Key.Size ? partial.Length : 0));
        });

    /// <summary>Refuses, before anything is fetched, when <paramref name="destination"/> lacks room.</summary>
    public static void EnsureFreeSpace(string destination, IEnumerable<DownloadItem> items)
    {
        var needed = BytesStillNeeded(items);
        if (needed == 0) return;
        var available = DiskSpace.Available(destination);
        if (available is long free && needed > free) throw new InsufficientDiskSpaceException(destination, needed, free);
    }

    /// <summary>Fetches every item; the first file that fails for good ends the run (the others are cancelled).</summary>
    public Task<IReadOnlyList<FileResult>> RunAsync(IReadOnlyList<DownloadItem> items, CancellationToken cancellationToken) =>
        RunAsync(items, onFailed: null, cancellationToken);

    /// <summary>
    /// Fetches every item. A file that fails for good (<see cref="IsFileFailure"/>: download failed
    /// after its retries, or checksum mismatch) is passed to <paramref name="onFailed"/> with every
    /// item sharing its content, and the other files go on; without <paramref name="onFailed"/> it
    /// ends the run. Anything else (cancellation, a full disk, an unwritable destination) ends it.
    /// </summary>
    public async Task<IReadOnlyList<FileResult>> RunAsync(IReadOnlyList<DownloadItem> items, Action<DownloadItem, MaasImagesException>? onFailed,
        CancellationToken cancellationToken)
    {
        var groups = Unique(items).OrderByDescending(g => g.Key.Size).ToList();
        if (groups.Count == 0)
        {
            // A no-op run (everything present) pays for no retry pipeline, timer or thread.
            _observer.OnProgress(new TransferSnapshot(0, 0, 0, 0, 0, TimeSpan.Zero, [], Completed: true));
            return [];
        }
        var results = new ConcurrentBag<FileResult>();
        var fetcher = new FileFetcher(_options, _observer.OnMessage);
        var placer = new FilePlacer(_observer.OnWarning);
        var progress = new ProgressTracker(groups.Sum(g => g.Key.Size), groups.Count);
        using var ticker = new Timer(_ => ReportQuietly(progress, completed: false), null, ProgressInterval, ProgressInterval);
        var finished = new ConcurrentDictionary<DownloadItem, byte>();
        try
        {
            await Parallel.ForEachAsync(groups,
                new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.ThrottleLimit), CancellationToken = cancellationToken },
                async (group, token) =>
                {
                    var item = group.Key;
                    progress.Start(item, FileFetcher.ResumableLength(item));
                    FileResult result;
                    try
                    {
                        result = await fetcher.FetchAsync(item, n => progress.Add(item, n), token).ConfigureAwait(false);
                    }
                    catch (MaasImagesException failure) when (onFailed is not null && IsFileFailure(failure))
                    {
                        finished.TryAdd(item, 0);
                        progress.Finish(item);
                        foreach (var failed in group) onFailed(failed, failure);
                        return;
                    }
                    foreach (var duplicate in group.Skip(1)) placer.Place(item.Destination, duplicate.Destination);
                    finished.TryAdd(item, 0);
                    progress.Finish(item);
                    results.Add(result);
                    _observer.OnFileCompleted(result);
                }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: what the unfinished downloads wrote stays as partial files for the next run.
            var kept = groups.Where(g => !finished.ContainsKey(g.Key)).Select(g => new FileInfo(FileFetcher.PartialPath(g.Key.Destination)))
                .Where(f => f.Exists && f.Length > 0).ToList();
            if (kept.Count > 0) _observer.OnPartialsKept(kept.Count, kept.Sum(f => f.Length));
            throw;
        }
        finally
        {
            await ticker.DisposeAsync().ConfigureAwait(false);
            ReportQuietly(progress, completed: true);
        }
        return results.ToList();
    }

    /// <summary>A failure of one file only (its source or its bytes), not of the run.</summary>
    public static bool IsFileFailure(MaasImagesException error) => error is DownloadFailedException or ChecksumMismatchException;

    /// <summary>
    /// Progress, also from the timer thread: nothing catches an exception thrown on a timer, so
    /// neither the snapshot nor an observer that fails (e.g. its pipeline stopped) may throw out
    /// of here; and a failing display must not mask the error that ends a transfer.
    /// </summary>
    private void ReportQuietly(ProgressTracker progress, bool completed)
    {
        try
        {
            _observer.OnProgress(progress.Snapshot(completed));
        }
#pragma warning disable CA1031 // any failure of a progress display is not worth a crash
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>Items grouped by content; the key is the one actually fetched.</summary>
    private static IEnumerable<IGrouping<DownloadItem, DownloadItem>> Unique(IEnumerable<DownloadItem> items) =>
        items.DistinctBy(i => i.Destination, StringComparer.Ordinal)
            .GroupBy(i => i.Sha256.ToLowerInvariant())
            .Select(g => g.GroupBy(_ => g.First()).Single());

    /// <summary>
    /// Counts bytes from several fetches and turns them into snapshots with a smoothed speed
    /// (<see cref="SpeedEstimate"/>) of the bytes that cross the network only: what a resumed
    /// partial already held counts as done, never as speed.
    /// </summary>
    internal sealed class ProgressTracker(long total, int files, Func<TimeSpan>? clock = null)
    {
        private readonly ConcurrentDictionary<DownloadItem, long> _active = new();
        private readonly Func<TimeSpan> _clock = clock ?? StartClock();
        private readonly object _gate = new();
        /// <summary>Bytes received from the network.</summary>
        private long _received;
        /// <summary>Bytes done without crossing the network: partials resumed, the rest of a file finished.</summary>
        private long _credited;
        private int _filesDone;
        private SpeedEstimate _speed;

        /// <param name="resumable">What a partial of an earlier run already holds of the file.</param>
        public void Start(DownloadItem item, long resumable = 0)
        {
            _active[item] = resumable;
            Interlocked.Add(ref _credited, resumable);
        }

        public void Add(DownloadItem item, long bytes)
        {
            Interlocked.Add(ref _received, bytes);
            _active.AddOrUpdate(item, bytes, (_, v) => v + bytes);
        }

        public void Finish(DownloadItem item)
        {
            // A resumed or reused file counts as fully done; a restarted one may have counted more.
            var counted = _active.TryRemove(item, out var v) ? v : 0;
            Interlocked.Add(ref _credited, item.Size - counted);
            Interlocked.Increment(ref _filesDone);
        }

        private static Func<TimeSpan> StartClock()
        {
            var watch = Stopwatch.StartNew();
            return () => watch.Elapsed;
        }

        public TransferSnapshot Snapshot(bool completed)
        {
            lock (_gate)
            {
                var received = Interlocked.Read(ref _received);
                var done = Math.Clamp(received + Interlocked.Read(ref _credited), 0, Math.Max(0, total));
                _speed = _speed.Next(received, _clock());
                var active = _active.Select(kv => new ActiveFile(kv.Key.Name, kv.Value, kv.Key.Size)).OrderBy(a => a.Name, StringComparer.Ordinal).ToList();
                return new TransferSnapshot(done, total, _filesDone, files, _speed.BytesPerSecond, _speed.Remaining(done, total), active, completed);
            }
        }
    }
}
