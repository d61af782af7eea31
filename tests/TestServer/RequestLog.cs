using Microsoft.AspNetCore.Http;

namespace MaasImages.TestServer;

/// <summary>One file request as the server saw it (control requests are not recorded).</summary>
/// <param name="Path">The decoded request path, with its leading slash.</param>
/// <param name="Range">The Range header, or null.</param>
/// <param name="IfRange">The If-Range header, or null.</param>
/// <param name="Status">The status code sent (0 while the headers are not out yet).</param>
/// <param name="BytesSent">Body bytes written so far.</param>
/// <param name="Fault">The faults applied, comma-separated, or null.</param>
public sealed record RequestRecord(
    string Method, string Path, string? Range, string? IfRange, int Status, long BytesSent, string? Fault);

/// <summary>Records requests and counts body bytes; thread-safe.</summary>
internal sealed class RequestLog
{
    private readonly Lock _gate = new();
    private readonly List<Entry> _entries = [];
    private long _bytesSent;

    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Starts a record as soon as the request arrives, so a client never sees a response that is not logged yet.</summary>
    public Entry Begin(HttpRequest request)
    {
        var entry = new Entry(this, request.Method, request.Path.Value ?? "/",
            NullIfEmpty(request.Headers.Range), NullIfEmpty(request.Headers.IfRange));
        lock (_gate)
        {
            _entries.Add(entry);
        }

        return entry;
    }

    public IReadOnlyList<RequestRecord> Snapshot()
    {
        lock (_gate)
        {
            return _entries.Select(e => e.ToRecord()).ToList();
        }
    }

    public void Reset()
    {
        lock (_gate)
        {
            _entries.Clear();
            Interlocked.Exchange(ref _bytesSent, 0);
        }
    }

    private static string? NullIfEmpty(Microsoft.Extensions.Primitives.StringValues value) =>
        value.Count == 0 ? null : value.ToString();

    internal sealed class Entry(RequestLog log, string method, string path, string? range, string? ifRange)
    {
        private long _bytesSent;

        public int Status { get; set; }

        public string? Fault { get; set; }

        /// <summary>Counts bytes for this request and for the server total (negative to take back a failed write).</summary>
        public void AddBytes(long count)
        {
            Interlocked.Add(ref _bytesSent, count);
            Interlocked.Add(ref log._bytesSent, count);
        }

        public RequestRecord ToRecord() =>
            new(method, path, range, ifRange, Status, Interlocked.Read(ref _bytesSent), Fault);
    }
}
