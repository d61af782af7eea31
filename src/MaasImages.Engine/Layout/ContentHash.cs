using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using MaasImages.Engine.Transfer;

namespace MaasImages.Engine.Layout;

/// <summary>SHA-256 of files on disk, for -Force and for files whose hash was never recorded.</summary>
internal static class ContentHash
{
    private const int BufferSize = 1 << 20;
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);
    private static readonly AsyncLocal<StrongBox<int>?> HashedCounter = new();

    /// <summary>Test hook: counts the files hashed from here on in this async flow.</summary>
    internal static StrongBox<int> CountFilesHashed() => HashedCounter.Value = new StrongBox<int>();

    /// <summary>SHA-256 of a (small) file, lower-case hex.</summary>
    public static string Sha256Of(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }

    /// <summary>True when the file exists with the expected size (the hash is checked by <see cref="VerifyAsync"/>).</summary>
    public static bool HasSize(string path, long size)
    {
        var info = new FileInfo(path);
        return info.Exists && info.LinkTarget is null && info.Length == size; // a link is never trusted content
    }

    /// <summary>
    /// Hashes each file once (<see cref="DownloadItem.Destination"/>), cancellable between reads,
    /// reporting progress; returns the ones whose SHA-256 differs from the expected one.
    /// </summary>
    public static async Task<List<DownloadItem>> VerifyAsync(IReadOnlyList<DownloadItem> items, ITransferObserver observer, CancellationToken cancellationToken)
    {
        var wrong = new List<DownloadItem>();
        if (items.Count == 0) return wrong;
        long total = items.Sum(i => i.Size), done = 0;
        int filesDone = 0;
        var clock = Stopwatch.StartNew();
        TimeSpan? lastReport = null;
        void Report(DownloadItem? active, long activeDone, bool completed)
        {
            if (!completed && lastReport is { } last && clock.Elapsed - last < ProgressInterval) return;
            lastReport = clock.Elapsed;
            var seconds = clock.Elapsed.TotalSeconds;
            observer.OnProgress(new TransferSnapshot(done, total, filesDone, items.Count, seconds > 0 ? done / seconds : 0, null,
                active is null ? [] : [new ActiveFile($"verifying {active.Name}", activeDone, active.Size)], completed));
        }

        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            foreach (var item in items)
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var stream = new FileStream(item.Destination, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan | FileOptions.Asynchronous);
                await using (stream.ConfigureAwait(false))
                {
                    long fileDone = 0;
                    int n;
                    while ((n = await stream.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        hash.AppendData(buffer, 0, n);
                        fileDone += n;
                        done += n;
                        Report(item, fileDone, completed: false);
                    }
                }
                Counted();
                filesDone++;
                if (!string.Equals(Convert.ToHexString(hash.GetHashAndReset()), item.Sha256, StringComparison.OrdinalIgnoreCase))
                {
                    observer.OnMessage($"'{item.Name}' does not match its sha256: fetching it again.");
                    wrong.Add(item);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        Report(null, 0, completed: true);
        observer.OnMessage($"Verified {Formatting.Counted.Of(items.Count, "file")} already present ({total:N0} bytes) against their sha256: {wrong.Count} wrong.");
        return wrong;
    }

    private static void Counted()
    {
        if (HashedCounter.Value is { } counter) Interlocked.Increment(ref counter.Value);
    }
}
