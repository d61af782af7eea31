using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace MaasImages.TestServer;

/// <summary>
/// Serves files under the root for GET and HEAD: validators, single byte ranges, If-Range, and the body
/// faults of <see cref="FaultPlan"/>. Bodies are streamed in chunks so multi-GB files use constant memory.
/// </summary>
internal sealed class FileResponder(string root, FaultPlan faults)
{
    private const int ChunkSize = 64 * 1024;

    // Compare with a trailing separator so that "/srv/root-other" does not pass as being inside "/srv/root".
    private readonly string _rootPrefix = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)) + Path.DirectorySeparatorChar;

    private static StringComparison PathComparison =>
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    public async Task RespondAsync(HttpContext context, RequestLog.Entry entry, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var response = context.Response;
        bool isGet = HttpMethods.IsGet(request.Method);
        if (!isGet && !HttpMethods.IsHead(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "GET, HEAD";
            return;
        }

        response.ContentType = "application/octet-stream";
        string? relative = ToRelativePath(request.Path.Value);
        var file = relative is null ? null : FindFile(relative);
        var applied = relative is null ? [] : faults.Take(relative, sendsBody: isGet && file is not null);
        entry.Fault = applied.Count == 0 ? null : string.Join(", ", applied);

        if (applied.FirstOrDefault(f => f.Kind == FaultKind.Status) is { } status)
        {
            response.StatusCode = status.StatusCode;
            if (status.RetryAfterSeconds is { } seconds)
            {
                response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            }

            if (status.RedirectBase is { } redirect)
            {
                response.Headers.Location = new Uri(redirect, relative ?? "").AbsoluteUri;
            }

            response.ContentLength = 0;
            return;
        }

        if (file is null)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            response.ContentLength = 0;
            return;
        }

        long length = file.Length;
        long mtimeTicks = file.LastWriteTimeUtc.Ticks;
        var etag = new EntityTagHeaderValue(string.Create(CultureInfo.InvariantCulture, $"\"{length:x}-{mtimeTicks:x}\""),
            isWeak: applied.Any(f => f.Kind == FaultKind.WeakETag));
        // HTTP dates have one-second resolution; truncate so an If-Range date sent back compares equal.
        var lastModified = new DateTimeOffset(mtimeTicks - (mtimeTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

        var headers = response.GetTypedHeaders();
        headers.ETag = etag;
        headers.LastModified = lastModified;
        response.Headers.AcceptRanges = "bytes";

        var plan = BodyPlan.From(applied);
        var (code, start, count) = plan.IgnoreRange || !isGet
            ? (StatusCodes.Status200OK, 0L, length) // Range only applies to GET (RFC 9110 14.2).
            : SelectRange(request, length, etag, lastModified);
        response.StatusCode = code;
        if (code == StatusCodes.Status416RangeNotSatisfiable)
        {
            headers.ContentRange = new ContentRangeHeaderValue(length);
            response.ContentLength = 0;
            return;
        }

        if (code == StatusCodes.Status206PartialContent)
        {
            headers.ContentRange = new ContentRangeHeaderValue(start, start + count - 1, length);
        }

        long declared = Math.Max(0, count + plan.ContentLengthDelta);
        response.ContentLength = declared;
        if (isGet)
        {
            await SendBodyAsync(response, file, start, count, declared, plan, entry, cancellationToken);
        }
    }

    /// <summary>The path relative to the root, or null when it is malformed or could escape the root.</summary>
    private static string? ToRelativePath(string? requestPath)
    {
        if (string.IsNullOrEmpty(requestPath) || requestPath[0] != '/')
        {
            return null;
        }

        string relative = requestPath[1..];
        if (relative.Length == 0 || relative.Contains('\\') || relative.Contains('\0') || Path.IsPathRooted(relative))
        {
            return null;
        }

        // Kestrel already collapses dot segments; refuse them anyway rather than rely on it.
        return relative.Split('/').Any(s => s is "" or "." or "..") ? null : relative;
    }

    private FileInfo? FindFile(string relative)
    {
        string full;
        try
        {
            full = Path.GetFullPath(Path.Join(_rootPrefix, relative));
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return null;
        }

        if (!full.StartsWith(_rootPrefix, PathComparison))
        {
            return null;
        }

        var file = new FileInfo(full);
        return file.Exists ? file : null; // Exists is false for directories.
    }

    /// <summary>Picks 200 (whole file), 206 (one range) or 416 for a GET.</summary>
    private static (int Status, long Start, long Count) SelectRange(
        HttpRequest request, long length, EntityTagHeaderValue etag, DateTimeOffset lastModified)
    {
        var whole = (StatusCodes.Status200OK, 0L, length);
        var unsatisfiable = (StatusCodes.Status416RangeNotSatisfiable, 0L, 0L);
        var typed = request.GetTypedHeaders();

        // Malformed, non-byte or multi-range requests are answered with the whole file, which RFC 9110 allows.
        if (typed.Range is not { } range
            || !string.Equals(range.Unit.Value, "bytes", StringComparison.OrdinalIgnoreCase)
            || range.Ranges.Count != 1)
        {
            return whole;
        }

        // If-Range: only a strong ETag match or the exact Last-Modified date keeps the range.
        if (request.Headers.IfRange.Count > 0)
        {
            var condition = typed.IfRange;
            bool matches = condition?.EntityTag is { } tag
                ? tag.Compare(etag, useStrongComparison: true)
                : condition?.LastModified == lastModified;
            if (!matches)
            {
                return whole;
            }
        }

        var item = range.Ranges.First();
        if (item.From is { } from)
        {
            return from >= length ? unsatisfiable : (StatusCodes.Status206PartialContent, from, Math.Min(item.To ?? long.MaxValue, length - 1) - from + 1);
        }

        long suffix = item.To ?? 0; // "bytes=-n": the last n bytes.
        return suffix == 0 || length == 0
            ? unsatisfiable
            : (StatusCodes.Status206PartialContent, Math.Max(0, length - suffix), Math.Min(suffix, length));
    }

    private static async Task SendBodyAsync(
        HttpResponse response, FileInfo file, long start, long count, long declared, BodyPlan plan,
        RequestLog.Entry entry, CancellationToken cancellationToken)
    {
        long limit = Math.Min(Math.Min(count, declared), plan.DropAfter);
        // Slow paces get small chunks so the pacing is smooth rather than one burst per second.
        int chunkSize = plan.BytesPerSecond is { } bps ? (int)Math.Clamp(bps / 10, 1, ChunkSize) : ChunkSize;
        var buffer = ArrayPool<byte>.Shared.Rent(chunkSize);
        try
        {
            await using var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read,
                FileShare.ReadWrite | FileShare.Delete, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
            stream.Position = start;

            // Headers go out first, so a stall at byte 0 still looks like a server that answered.
            await response.StartAsync(cancellationToken);
            var clock = Stopwatch.StartNew();
            long sent = 0;
            int nextStall = 0;
            while (true)
            {
                while (nextStall < plan.Stalls.Count && plan.Stalls[nextStall].AfterBytes <= sent)
                {
                    await response.Body.FlushAsync(cancellationToken);
                    var stall = plan.Stalls[nextStall++];
                    stall.Reached?.TrySetResult();
                    await (stall.Release is { } release ? release.WaitAsync(cancellationToken) : Task.Delay(stall.Duration, cancellationToken));
                }

                if (sent >= limit)
                {
                    break;
                }

                long end = Math.Min(limit, sent + chunkSize);
                if (nextStall < plan.Stalls.Count)
                {
                    end = Math.Min(end, plan.Stalls[nextStall].AfterBytes);
                }

                int read = await stream.ReadAsync(buffer.AsMemory(0, (int)(end - sent)), cancellationToken);
                if (read == 0)
                {
                    break; // The file shrank underneath us: the abort below tells the client.
                }

                foreach (long offset in plan.CorruptOffsets)
                {
                    if (offset >= sent && offset < sent + read)
                    {
                        buffer[offset - sent] ^= 0xFF;
                    }
                }

                if (plan.BytesPerSecond is { } rate)
                {
                    var due = TimeSpan.FromSeconds((sent + read) / (double)rate) - clock.Elapsed;
                    if (due > TimeSpan.Zero)
                    {
                        await Task.Delay(due, cancellationToken);
                    }
                }

                // Count before writing so a client that has the bytes never sees a smaller count; take back on failure.
                entry.AddBytes(read);
                try
                {
                    await response.Body.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
                catch
                {
                    entry.AddBytes(-read);
                    throw;
                }

                sent += read;
            }

            // Fewer bytes than declared (DropAfter, WrongContentLength > 0, a file that shrank): returning now makes
            // Kestrel close the connection once these bytes are on the wire, so the client gets exactly them and then
            // a body that ends early. HttpContext.Abort would discard whatever Kestrel still buffers, making the
            // number of bytes the client receives random.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The body faults of one response, combined.</summary>
    private sealed class BodyPlan
    {
        public bool IgnoreRange { get; private init; }

        public long DropAfter { get; private init; } = long.MaxValue;

        public long ContentLengthDelta { get; private init; }

        public long? BytesPerSecond { get; private init; }

        public List<long> CorruptOffsets { get; private init; } = [];

        public List<(long AfterBytes, TimeSpan Duration, Task? Release, TaskCompletionSource? Reached)> Stalls { get; private init; } = [];

        public static BodyPlan From(IReadOnlyList<Fault> applied) => new()
        {
            IgnoreRange = applied.Any(f => f.Kind == FaultKind.IgnoreRange),
            DropAfter = applied.Where(f => f.Kind == FaultKind.DropAfter).Select(f => f.Bytes).DefaultIfEmpty(long.MaxValue).Min(),
            ContentLengthDelta = applied.Where(f => f.Kind == FaultKind.WrongContentLength).Sum(f => f.Delta),
            BytesPerSecond = applied.Where(f => f.Kind == FaultKind.Throttle).Select(f => (long?)f.BytesPerSecond).Min(),
            CorruptOffsets = applied.Where(f => f.Kind == FaultKind.CorruptByte).Select(f => f.Offset).ToList(),
            Stalls = applied.Where(f => f.Kind == FaultKind.Stall).Select(f => (AfterBytes: f.Bytes, f.Duration, f.Release, f.Reached)).OrderBy(s => s.AfterBytes).ToList(),
        };
    }
}
