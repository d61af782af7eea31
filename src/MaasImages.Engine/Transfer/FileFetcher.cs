using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using MaasImages.Engine.Platform;
using Polly;
using Polly.Retry;

namespace MaasImages.Engine.Transfer;

/// <summary>
/// Fetches one file to <c>&lt;final&gt;.partial</c>, hashing and counting as bytes arrive (one
/// pass), resuming an existing partial with Range + If-Range, retrying transient failures, and
/// renaming to the final path only when size and SHA-256 match.
/// </summary>
internal sealed class FileFetcher
{
    private const int BufferSize = 256 * 1024;

    private readonly TransferOptions _options;
    private readonly HttpClient _client;
    private readonly ResiliencePipeline _retry;
    private readonly Action<string> _log;

    public FileFetcher(TransferOptions options, Action<string> log)
    {
        _options = options;
        _log = log;
        _client = options.Client ?? HttpClientProvider.Shared;
        _retry = options.MaxAttempts <= 1 ? ResiliencePipeline.Empty : new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<TransientTransferException>(),
                MaxRetryAttempts = options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = TimeSpan.FromMinutes(2),
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Exception is TransientTransferException { RetryAfter: { } after }
                        ? (TimeSpan?)(after < options.MaxRetryAfter ? after : options.MaxRetryAfter)
                        : null),
                OnRetry = args =>
                {
                    log($"Retrying in {args.RetryDelay.TotalSeconds:0.#} s (attempt {args.AttemptNumber + 2} of {options.MaxAttempts}): {args.Outcome.Exception?.Message}");
                    return default;
                },
            })
            .Build();
    }

    public static string PartialPath(string destination) => destination + ".partial";

    /// <summary>
    /// Bytes of <paramref name="item"/> a partial file of an earlier run holds that a fetch would
    /// keep (its sidecar names the same content and it is not too long); 0 when there is none.
    /// </summary>
    public static long ResumableLength(DownloadItem item)
    {
        try
        {
            var partial = new FileInfo(PartialPath(item.Destination));
            if (!partial.Exists || partial.LinkTarget is not null || partial.Length > item.Size) return 0;
            var state = ReadSidecar(SidecarPath(item.Destination));
            return state is not null && string.Equals(state.Sha256, item.Sha256, StringComparison.OrdinalIgnoreCase) ? partial.Length : 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0; // only a figure for reports: the fetch itself decides, and reports a real failure
        }
    }
    private static string SidecarPath(string destination) => destination + ".partial.json";

    /// <summary>Fetch and verify; returns how many bytes crossed the network (or were copied) in all attempts.</summary>
    public async Task<FileResult> FetchAsync(DownloadItem item, Action<long> onBytes, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        Directory.CreateDirectory(Path.GetDirectoryName(item.Destination)!);
        // Every byte received counts, also those of an attempt that failed or was restarted: the
        // sum is what the server sent (what a partial already held is not).
        long transferred = 0;
        void Count(long n)
        {
            transferred += n;
            onBytes(n);
        }
        int attempts = 0;
        bool restartedAfterMismatch = false;
        while (true)
        {
            try
            {
                await _retry.ExecuteAsync(async token =>
                {
                    attempts++;
                    await AttemptAsync(item, Count, token).ConfigureAwait(false);
                }, cancellationToken).ConfigureAwait(false);
                return new FileResult(item, transferred, Reused: false, watch.Elapsed, attempts);
            }
            catch (CorruptDownloadException corrupt) when (!restartedAfterMismatch)
            {
                // The partial was deleted: one more try from zero, then give up.
                restartedAfterMismatch = true;
                _ = corrupt;
            }
            catch (CorruptDownloadException corrupt)
            {
                throw new ChecksumMismatchException(item.Name, item.Sha256, corrupt.ActualSha256, item.Size, corrupt.ActualSize);
            }
            catch (TransientTransferException e)
            {
                // Only a partial that exists is worth naming (a host never reached left none).
                var kept = File.Exists(PartialPath(item.Destination)) ? " The partial file is kept: run again to resume." : "";
                throw new DownloadFailedException($"Downloading '{item.Name}' from '{item.Source}' failed after {Formatting.Counted.Of(attempts, "attempt")}: {e.Message}{kept}", item.Source, e)
                {
                    Failure = e.Failure,
                };
            }
        }
    }

    /// <summary>One attempt: continue the partial (or start it), stream, verify, rename.</summary>
    private async Task<long> AttemptAsync(DownloadItem item, Action<long> onBytes, CancellationToken cancellationToken)
    {
        var partial = PartialPath(item.Destination);
        var sidecar = SidecarPath(item.Destination);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var state = ReadSidecar(sidecar);
        long offset = ResumeOffset(item, partial, state, hash);

        long received = 0;
        if (offset < item.Size || item.Size == 0)
        {
            received = item.Source.IsFile
                ? await CopyLocalAsync(item, partial, offset, hash, onBytes, cancellationToken).ConfigureAwait(false)
                : await DownloadAsync(item, partial, sidecar, offset, state, hash, onBytes, cancellationToken).ConfigureAwait(false);
        }
        Finish(item, partial, sidecar, hash);
        return received;
    }

    /// <summary>Bytes of an earlier partial we can keep (hashed once here), or 0 after discarding it.</summary>
    private static long ResumeOffset(DownloadItem item, string partial, PartialState? state, IncrementalHash hash)
    {
        var info = new FileInfo(partial);
        if (!info.Exists) return 0;
        if (state is null || !string.Equals(state.Sha256, item.Sha256, StringComparison.OrdinalIgnoreCase) || info.Length > item.Size)
        {
            File.Delete(partial);
            return 0;
        }
        using var existing = new FileStream(partial, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int n;
            TestPause.At(TestPause.ResumeHash);
            while ((n = existing.Read(buffer, 0, buffer.Length)) > 0) hash.AppendData(buffer, 0, n);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return info.Length;
    }

    private async Task<long> DownloadAsync(DownloadItem item, string partial, string sidecar, long offset, PartialState? state,
        IncrementalHash hash, Action<long> onBytes, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, item.Source);
        if (offset > 0)
        {
            request.Headers.Range = new RangeHeaderValue(offset, null);
            // RFC 9110 13.1.5: a weak ETag must not be sent in If-Range (such a server would always
            // answer with the whole file); the date then says whether the partial is still good.
            if (state?.ETag is { } etag && EntityTagHeaderValue.TryParse(etag, out var tag) && !tag.IsWeak)
                request.Headers.IfRange = new RangeConditionHeaderValue(tag);
            else if (state?.LastModified is { } modified)
                request.Headers.IfRange = new RangeConditionHeaderValue(modified);
        }

        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stall.CancelAfter(_options.StallTimeout);
        HttpResponseMessage response;
        try
        {
            response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stall.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TransientTransferException($"no response from '{item.Source}' within {_options.StallTimeout.TotalSeconds:0} s.", null, e);
        }
        catch (HttpRequestException e)
        {
            // After a redirect the request names the host that failed, which is the one to describe.
            var target = request.RequestUri is { IsAbsoluteUri: true } final ? final : item.Source;
            var where = target == item.Source ? $"'{target}'" : $"'{target}' (where the server redirected)";
            var failure = Errors.ConnectionFailures.Classify(e);
            var message = $"cannot reach {where}: {Errors.ConnectionFailures.Describe(target, e)}.";
            // A server that does not speak TLS, or whose certificate is refused, will not change on a retry.
            if (failure is Errors.ConnectionFailure.NotTls or Errors.ConnectionFailure.CertificateRejected)
                throw new DownloadFailedException($"Downloading '{item.Name}' from '{item.Source}' failed: {message}", item.Source, e) { Failure = failure };
            throw new TransientTransferException(message, null, e) { Failure = failure };
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            switch (response.StatusCode)
            {
                case HttpStatusCode.PartialContent:
                    if (response.Content.Headers.ContentRange?.From != offset)
                        offset = Restart(partial, hash); // not the range we asked for: start clean
                    break;
                case HttpStatusCode.OK:
                    if (offset > 0) offset = Restart(partial, hash); // the server ignored Range (or If-Range failed)
                    break;
                case HttpStatusCode.RequestedRangeNotSatisfiable when offset > 0:
                    // The partial does not fit the file any more: start again from zero in this
                    // same attempt; it is not a failure worth a retry and its backoff.
                    Restart(partial, hash);
                    File.Delete(sidecar);
                    _log($"'{item.Source}' refused the resume range (416): starting again from zero.");
                    response.Dispose();
                    return await DownloadAsync(item, partial, sidecar, 0, null, hash, onBytes, cancellationToken).ConfigureAwait(false);
                case HttpStatusCode.RequestTimeout:
                case HttpStatusCode.TooManyRequests:
                case >= HttpStatusCode.InternalServerError:
                    throw new TransientTransferException($"'{item.Source}' answered HTTP {status} {response.ReasonPhrase}.", RetryAfter(response));
                default:
                    throw new DownloadFailedException($"Downloading '{item.Name}' failed: '{item.Source}' answered HTTP {status} {response.ReasonPhrase}.", item.Source);
            }

            WriteSidecar(sidecar, new PartialState(item.Sha256, response.Headers.ETag?.ToString(), response.Content.Headers.LastModified));
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                return await PumpAsync(item, body, partial, offset, hash, onBytes, stall, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<long> CopyLocalAsync(DownloadItem item, string partial, long offset, IncrementalHash hash, Action<long> onBytes,
        CancellationToken cancellationToken)
    {
        FileStream source;
        try
        {
            source = new FileStream(item.Source.LocalPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DownloadFailedException($"'{item.Source.LocalPath}' does not exist.", item.Source, e);
        }
        using (source)
        {
            if (offset > 0) source.Seek(offset, SeekOrigin.Begin);
            WriteSidecar(SidecarPath(item.Destination), new PartialState(item.Sha256, null, null));
            using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            return await PumpAsync(item, source, partial, offset, hash, onBytes, stall, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The one loop every byte goes through: read and count here, write and hash in a
    /// <see cref="WriteHashStage"/> that overlaps the next read. Whatever ends the loop, every byte
    /// read before is on disk when this returns or throws (a write failure excepted), so the
    /// partial is exactly what a resume continues from.
    /// </summary>
    private async Task<long> PumpAsync(DownloadItem item, Stream body, string partial, long offset, IncrementalHash hash,
        Action<long> onBytes, CancellationTokenSource stall, CancellationToken cancellationToken)
    {
        long received = 0;
        long tooLong = -1;
        using (var file = OpenPartial(partial, offset, item.Size))
        {
            using var stage = new WriteHashStage(file, offset, hash, stall, end =>
            {
                if (end < item.Size) TestPause.At(TestPause.Download);
            });
            int slot = -1, start = 0, filled = 0;
            try
            {
                while (true)
                {
                    if (slot < 0 || filled == WriteHashStage.SlotSize)
                    {
                        if (slot >= 0) stage.Hand(slot, start, filled - start, endsSlot: true);
                        slot = -1;
                        slot = await stage.TakeSlotAsync(cancellationToken).ConfigureAwait(false);
                        start = filled = 0;
                    }
                    stall.CancelAfter(_options.StallTimeout);
                    int n;
                    try
                    {
                        var read = body.ReadAsync(stage.Buffer(slot).AsMemory(filled), stall.Token);
                        if (!read.IsCompleted && filled > start)
                        {
                            // The network makes us wait: meanwhile what we have goes to disk.
                            stage.Hand(slot, start, filled - start, endsSlot: false);
                            start = filled;
                        }
                        n = await read.ConfigureAwait(false);
                    }
                    catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
                    {
                        throw new TransientTransferException($"'{item.Source}' stalled: no data for {_options.StallTimeout.TotalSeconds:0} s after {offset:N0} bytes.", null, e);
                    }
                    catch (Exception e) when (e is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
                    {
                        throw new TransientTransferException($"connection to '{item.Source}' lost after {offset:N0} of {item.Size:N0} bytes: {e.Message}", null, e);
                    }
                    if (n == 0) break;
                    if (offset + n > item.Size)
                    {
                        // More bytes than the metadata promises: this is not the file we want.
                        tooLong = offset + n;
                        break;
                    }
                    filled += n;
                    offset += n;
                    received += n;
                    onBytes(n);
                }
            }
            finally
            {
                if (slot >= 0) stage.Hand(slot, start, filled - start, endsSlot: true);
                // A failed write wins over whatever the reader saw (it was told to stop by it).
                await stage.CompleteAsync().ConfigureAwait(false);
            }
        }
        if (tooLong >= 0)
        {
            Discard(partial, SidecarPath(item.Destination));
            throw new CorruptDownloadException("(more bytes than expected)", tooLong);
        }
        if (offset < item.Size)
            throw new TransientTransferException($"'{item.Source}' ended after {offset:N0} of {item.Size:N0} bytes.");
        return received;
    }

    /// <summary>
    /// The partial, for writing at <paramref name="offset"/>. A new one gets its whole size reserved
    /// at once (fallocate; its length stays 0, and the length is what a resume continues from), so
    /// a multi-GB file is not grown a block at a time. The reservation is only a hint: where it
    /// fails (no room for all of it, a file system without it) writing goes on without it, and a
    /// full disk is then reported by the write that hits it, as a full disk.
    /// </summary>
    private static Microsoft.Win32.SafeHandles.SafeFileHandle OpenPartial(string partial, long offset, long size)
    {
        if (offset == 0 && size > WriteHashStage.SlotSize && !File.Exists(partial))
        {
            try
            {
                return File.OpenHandle(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None, preallocationSize: size);
            }
            catch (IOException)
            {
                // .NET removes the file it could not reserve; fall through to a plain open.
            }
        }
        var file = File.OpenHandle(partial, FileMode.OpenOrCreate, FileAccess.Write, FileShare.None);
        if (RandomAccess.GetLength(file) != offset) RandomAccess.SetLength(file, offset);
        return file;
    }

    /// <summary>Size and hash match: rename into place. Otherwise the partial is deleted.</summary>
    private static void Finish(DownloadItem item, string partial, string sidecar, IncrementalHash hash)
    {
        var actual = Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
        long length = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        if (!File.Exists(partial) && item.Size == 0) File.WriteAllBytes(partial, []);
        if (length != item.Size || !string.Equals(actual, item.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            Discard(partial, sidecar);
            throw new CorruptDownloadException(actual, length);
        }
        File.Move(partial, item.Destination, overwrite: true);
        File.Delete(sidecar);
    }

    private static long Restart(string partial, IncrementalHash hash)
    {
        hash.GetHashAndReset();
        if (File.Exists(partial)) File.Delete(partial);
        return 0;
    }

    private static void Discard(string partial, string sidecar)
    {
        File.Delete(partial);
        File.Delete(sidecar);
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta;
        if (header?.Date is { } date) return date - DateTimeOffset.UtcNow is { Ticks: > 0 } wait ? wait : TimeSpan.Zero;
        return null;
    }

    /// <summary>What a partial was started from, so a resume asks for the same bytes (If-Range).</summary>
    internal sealed record PartialState(string Sha256, string? ETag, DateTimeOffset? LastModified);

    private static PartialState? ReadSidecar(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllText(path), TransferJson.Default.PartialState) : null;
        }
        catch (JsonException)
        {
            return null; // a damaged sidecar only costs a restart
        }
    }

    private static void WriteSidecar(string path, PartialState state) => File.WriteAllText(path, JsonSerializer.Serialize(state, TransferJson.Default.PartialState));

    /// <summary>Size or hash did not match; the partial is already gone.</summary>
    private sealed class CorruptDownloadException(string actualSha256, long actualSize) : Exception("downloaded bytes do not match the metadata")
    {
        public string ActualSha256 { get; } = actualSha256;
        public long ActualSize { get; } = actualSize;
    }
}
