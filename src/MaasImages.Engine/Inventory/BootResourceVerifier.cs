using System.Buffers;
using System.Diagnostics;
using System.Security.Cryptography;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Layout;
using MaasImages.Engine.Platform;
using MaasImages.Engine.Transfer;

namespace MaasImages.Engine.Inventory;

/// <summary>What re-hashing found for one file of the served tree.</summary>
public enum MaasFileCheckStatus
{
    /// <summary>Its content has the sha256 recorded when it was saved.</summary>
    Ok,
    /// <summary>Its content differs from what was recorded (damaged, truncated, replaced).</summary>
    Corrupt,
    /// <summary>A record says it belongs here, but it is gone.</summary>
    Missing,
    /// <summary>A file in the served tree that no record explains (a leftover temporary, a stray copy).</summary>
    Unexpected,
    /// <summary>It belongs to a saved resource, but no sha256 was ever recorded for it (bootloader members of a tree MAAS wrote).</summary>
    NotRecorded,
}

/// <summary>One file checked by Test-MaasBootResource.</summary>
public sealed class MaasBootResourceCheck
{
    internal MaasBootResourceCheck(MaasFileCheckStatus status, string path, string relativePath, MaasBootResource? resource,
        string? expectedSha256, string? actualSha256, long? expectedSize, long? size)
    {
        Status = status;
        Path = path;
        RelativePath = relativePath;
        Resource = resource;
        ExpectedSha256 = expectedSha256;
        ActualSha256 = actualSha256;
        ExpectedSize = expectedSize;
        Size = size;
    }

    public MaasFileCheckStatus Status { get; }
    /// <summary>True when -Repair fetched it again and placed it (rack: in the new snapshot, at the same relative path).</summary>
    public bool Repaired { get; internal set; }
    public string Path { get; }
    /// <summary>Relative to the snapshot (rack) or the mirror root, '/'-separated.</summary>
    public string RelativePath { get; }
    public string? ProductName => Resource?.ProductName;
    public string? VersionName => Resource?.VersionName;
    public string? ExpectedSha256 { get; }
    public string? ActualSha256 { get; }
    public long? ExpectedSize { get; }
    /// <summary>Bytes on disk; null when missing.</summary>
    public long? Size { get; }
    /// <summary>The resource the file belongs to; null for Unexpected.</summary>
    public MaasBootResource? Resource { get; }
    /// <summary>True unless the file is Corrupt, Missing or Unexpected (and was not repaired).</summary>
    public bool IsHealthy => Repaired || Status is MaasFileCheckStatus.Ok or MaasFileCheckStatus.NotRecorded;

    public override string ToString() => $"{Status} {RelativePath}";
}

/// <summary>How Test-MaasBootResource verifies and repairs.</summary>
public sealed class VerifyOptions
{
    /// <summary>Another stream root (URL or folder) to fetch from instead of the recorded source.</summary>
    public string? Source { get; init; }
    /// <summary>Files hashed at once; default: one per core.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;
    public TransferOptions Transfer { get; init; } = new();
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>Re-hashes every file a tree serves against what was recorded at save time; the entry point of Test-MaasBootResource.</summary>
public static class BootResourceVerifier
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// One result per file of the served tree (rack: the snapshot current points to; mirror: the
    /// root), ordered by relative path. Reads only.
    /// </summary>
    public static async Task<IReadOnlyList<MaasBootResourceCheck>> VerifyAsync(string path, VerifyOptions options, ITransferObserver observer,
        Action<MaasImagesException> error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(observer);
        ArgumentNullException.ThrowIfNull(error);
        var tree = BootResourceInventory.Locate(path);
        var mirrorItems = new Dictionary<string, (string Sha256, long Size)>(StringComparer.Ordinal);
        var resources = tree.Layout == SaveLayout.Mirror
            ? await MirrorInventory.ReadAsync(tree.Root, error, cancellationToken, mirrorItems).ConfigureAwait(false)
            : RackInventory.Read(tree.Root, tree.Snapshot!, error);
        var served = tree.Layout == SaveLayout.Mirror ? tree.Root : tree.Snapshot!;

        // What each served path should be.
        var expected = new Dictionary<string, (MaasBootResourceFile File, MaasBootResource Resource)>(StringComparer.Ordinal);
        foreach (var resource in resources)
            foreach (var file in resource.Files)
                expected.TryAdd(file.RelativePath, (file, resource));

        var checks = new List<MaasBootResourceCheck>();
        var toHash = new List<(string Relative, string Path, string? Sha256, long? Size, MaasBootResource? Resource)>();
        foreach (var (relative, (file, resource)) in expected)
        {
            if (!file.Exists) checks.Add(new MaasBootResourceCheck(MaasFileCheckStatus.Missing, file.Path, relative, resource, file.Sha256, null, file.ExpectedSize, null));
            else if (file.Sha256 is null) checks.Add(new MaasBootResourceCheck(MaasFileCheckStatus.NotRecorded, file.Path, relative, resource, null, null, file.ExpectedSize, file.Size));
            else toHash.Add((relative, file.Path, file.Sha256, file.ExpectedSize, resource));
        }
        foreach (var (relative, full) in ServedFiles(served))
        {
            if (expected.ContainsKey(relative) || IsOwnFile(tree.Layout, relative)) continue;
            // A mirror file the documents describe (of a version not listed as saved) is still checked.
            if (mirrorItems.TryGetValue(relative, out var item)) toHash.Add((relative, full, item.Sha256, item.Size, null));
            else checks.Add(new MaasBootResourceCheck(MaasFileCheckStatus.Unexpected, full, relative, null, null, null, null, new FileInfo(full).Length));
        }

        var hashes = await HashAllAsync(toHash.Select(h => h.Path).ToList(), options.Parallelism, observer, cancellationToken).ConfigureAwait(false);
        foreach (var (relative, full, sha256, size, resource) in toHash)
        {
            var (actual, length) = hashes[full];
            var status = actual is null ? MaasFileCheckStatus.Missing
                : string.Equals(actual, sha256, StringComparison.OrdinalIgnoreCase) ? MaasFileCheckStatus.Ok : MaasFileCheckStatus.Corrupt;
            checks.Add(new MaasBootResourceCheck(status, full, relative, resource, sha256, actual, size, actual is null ? null : length));
        }
        checks.Sort((a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
        observer.OnMessage($"Checked {Formatting.Counted.Of(checks.Count, "file")} of '{served}': " +
            string.Join(", ", checks.GroupBy(c => c.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key}")) + ".");
        return checks;
    }

    /// <summary>
    /// Fetches the Corrupt and Missing files of <paramref name="checks"/> (from <see cref="VerifyAsync"/>
    /// on the same <paramref name="path"/>) again and puts them in place; each one placed is marked
    /// <see cref="MaasBootResourceCheck.Repaired"/>. A file that cannot be repaired is reported
    /// through <paramref name="error"/> (RepairSourceUnknown, or the download's own id).
    /// </summary>
    public static Task RepairAsync(string path, IReadOnlyList<MaasBootResourceCheck> checks, VerifyOptions options, ITransferObserver observer,
        Action<MaasImagesException> error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checks);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(observer);
        ArgumentNullException.ThrowIfNull(error);
        return BootResourceRepair.RepairAsync(BootResourceInventory.Locate(path), checks, options, observer, error, cancellationToken);
    }

    /// <summary>Files a rack snapshot has of its own (never from the cache), and a mirror's metadata and records: not served content.</summary>
    private static bool IsOwnFile(SaveLayout layout, string relative) => layout == SaveLayout.Rack
        ? relative is RackSnapshots.MetaName or "ipxe.cfg" or "grub/grub.cfg"
        : relative is MirrorLayout.StateFile or DestinationLock.FileName
          || (relative.StartsWith("streams/v1/", StringComparison.Ordinal) && relative.IndexOf('/', "streams/v1/".Length) < 0
              && (relative.EndsWith(".json", StringComparison.Ordinal) || relative.EndsWith(".sjson", StringComparison.Ordinal) || relative.EndsWith(".gpg", StringComparison.Ordinal)));

    /// <summary>Every regular file below <paramref name="folder"/>, never through a link (links are the root boot links, checked by New-MaasBootLink).</summary>
    private static IEnumerable<(string Relative, string Path)> ServedFiles(string folder)
    {
        var pending = new Stack<DirectoryInfo>([new DirectoryInfo(folder)]);
        while (pending.Count > 0)
        {
            foreach (var entry in pending.Pop().EnumerateFileSystemInfos())
            {
                if (entry.LinkTarget is not null) continue;
                if (entry is DirectoryInfo dir) pending.Push(dir);
                else yield return (Path.GetRelativePath(folder, entry.FullName).Replace(Path.DirectorySeparatorChar, '/'), entry.FullName);
            }
        }
    }

    /// <summary>
    /// SHA-256 of each path, <paramref name="parallelism"/> files at once; a file reached by several
    /// paths (hard links: cache, own and generic folders) is read once. Progress as bytes hashed.
    /// A file that vanishes meanwhile hashes to null (Missing).
    /// </summary>
    private static async Task<Dictionary<string, (string? Sha256, long Size)>> HashAllAsync(IReadOnlyList<string> paths, int parallelism,
        ITransferObserver observer, CancellationToken cancellationToken)
    {
        var byContent = paths.GroupBy(p => (object?)NativeFileSystem.GetFileId(p) ?? p).Select(g => g.ToList()).ToList();
        var results = new System.Collections.Concurrent.ConcurrentDictionary<string, (string?, long)>(StringComparer.Ordinal);
        long total = byContent.Sum(g => SizeOf(g[0])), done = 0;
        int filesDone = 0;
        var clock = Stopwatch.StartNew();
        var reportLock = new object();
        TimeSpan? lastReport = null;
        void Report(bool completed)
        {
            lock (reportLock)
            {
                if (!completed && lastReport is { } last && clock.Elapsed - last < ProgressInterval) return;
                lastReport = clock.Elapsed;
                var seconds = clock.Elapsed.TotalSeconds;
                var bytes = Interlocked.Read(ref done);
                observer.OnProgress(new TransferSnapshot(bytes, total, Volatile.Read(ref filesDone), byContent.Count, seconds > 0 ? bytes / seconds : 0, null, [], completed));
            }
        }
        await Parallel.ForEachAsync(byContent, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism), CancellationToken = cancellationToken },
            async (group, token) =>
            {
                var result = await HashAsync(group[0], read => { Interlocked.Add(ref done, read); Report(false); }, token).ConfigureAwait(false);
                foreach (var path in group) results[path] = result;
                Interlocked.Increment(ref filesDone);
            }).ConfigureAwait(false);
        Report(true);
        return new Dictionary<string, (string?, long)>(results, StringComparer.Ordinal);
    }

    private static long SizeOf(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? info.Length : 0;
    }

    private static async Task<(string? Sha256, long Size)> HashAsync(string path, Action<int> progress, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1,
                FileOptions.SequentialScan | FileOptions.Asynchronous);
            long size = 0;
            await using (stream.ConfigureAwait(false))
            {
                int n;
                while ((n = await stream.ReadAsync(buffer.AsMemory(0, 1 << 20), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buffer, 0, n);
                    size += n;
                    progress(n);
                }
            }
            return (Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant(), size);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return (null, 0);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
