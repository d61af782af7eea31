using System.Globalization;

namespace MaasImages.TestServer;

/// <summary>The kinds of misbehaviour the server can simulate.</summary>
public enum FaultKind
{
    Status,
    DropAfter,
    CorruptByte,
    IgnoreRange,
    Stall,
    WrongContentLength,
    Throttle,
    WeakETag,
}

/// <summary>
/// One simulated misbehaviour; build with the static factories. Byte counts and offsets are relative to the
/// body of the response they apply to (for a 206 that is the first byte of the range, not of the file).
/// </summary>
public sealed class Fault
{
    private Fault(FaultKind kind) => Kind = kind;

    public FaultKind Kind { get; }

    /// <summary>Status: the HTTP status code to answer with.</summary>
    public int StatusCode { get; private init; }

    /// <summary>Status: value of the Retry-After header, or null for none.</summary>
    public int? RetryAfterSeconds { get; private init; }

    /// <summary>DropAfter and Stall: body bytes sent before the fault kicks in.</summary>
    public long Bytes { get; private init; }

    /// <summary>CorruptByte: the body offset whose byte is flipped.</summary>
    public long Offset { get; private init; }

    /// <summary>Stall: how long the body stops flowing.</summary>
    public TimeSpan Duration { get; private init; }

    /// <summary>WrongContentLength: declared Content-Length minus the real one.</summary>
    public long Delta { get; private init; }

    /// <summary>Throttle: the pace of the body.</summary>
    public long BytesPerSecond { get; private init; }

    /// <summary>Status made by <see cref="Redirect"/>: the base the request's path is resolved against for Location.</summary>
    public Uri? RedirectBase { get; private init; }

    /// <summary>Stall made by <see cref="Hold"/>: the body flows again when this task completes (not after a duration).</summary>
    public Task? Release { get; private init; }

    /// <summary>Stall made by <see cref="Hold"/>: completed when the server starts holding the body.</summary>
    public TaskCompletionSource? Reached { get; private init; }

    /// <summary>Answer with this status and an empty body (e.g. 503 or 429 with Retry-After, 404, 500).</summary>
    public static Fault Status(int statusCode, int? retryAfterSeconds = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 599);
        if (retryAfterSeconds is { } seconds)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(seconds, nameof(retryAfterSeconds));
        }

        return new Fault(FaultKind.Status) { StatusCode = statusCode, RetryAfterSeconds = retryAfterSeconds };
    }

    /// <summary>
    /// Answer 302 with Location = the same path under <paramref name="newBase"/>, as a server that
    /// hands payloads to another host (a CDN, a mirror) does; the new host may be any URL, also one
    /// that does not answer.
    /// </summary>
    public static Fault Redirect(Uri newBase)
    {
        ArgumentNullException.ThrowIfNull(newBase);
        if (!newBase.IsAbsoluteUri) throw new ArgumentException("Use an absolute URL.", nameof(newBase));
        return new Fault(FaultKind.Status) { StatusCode = 302, RedirectBase = newBase };
    }

    /// <summary>
    /// Send the headers (true Content-Length) and this many body bytes, then close the connection: the client
    /// gets exactly these bytes and a body that ends early. (A close once the bytes are out, not
    /// HttpContext.Abort, which would discard bytes still buffered in Kestrel and make the count random.)
    /// </summary>
    public static Fault DropAfter(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        return new Fault(FaultKind.DropAfter) { Bytes = bytes };
    }

    /// <summary>Flip every bit of the byte at this body offset; the size is unchanged.</summary>
    public static Fault CorruptByte(long offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        return new Fault(FaultKind.CorruptByte) { Offset = offset };
    }

    /// <summary>Answer 200 with the whole file even when a Range header is sent.</summary>
    public static Fault IgnoreRange() => new(FaultKind.IgnoreRange);

    /// <summary>Send this many body bytes, then send nothing (connection kept open) for the duration.</summary>
    public static Fault Stall(long afterBytes, TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        return new Fault(FaultKind.Stall) { Bytes = afterBytes, Duration = duration };
    }

    /// <summary>
    /// A gate the test controls: send this many body bytes, say so through <paramref name="reached"/>, then
    /// send nothing (connection kept open) until <paramref name="release"/> completes. No timing involved.
    /// </summary>
    public static Fault Hold(long afterBytes, Task release, TaskCompletionSource? reached = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterBytes);
        ArgumentNullException.ThrowIfNull(release);
        return new Fault(FaultKind.Stall) { Bytes = afterBytes, Duration = Timeout.InfiniteTimeSpan, Release = release, Reached = reached };
    }

    /// <summary>
    /// Declare Content-Length = real length + delta. Positive: the whole real body is sent, then the connection
    /// is closed, so the client sees the body end early. Negative: only the declared bytes are sent and the
    /// response completes normally on a reusable connection, so the body is silently truncated (only a size or
    /// hash check catches it).
    /// </summary>
    public static Fault WrongContentLength(long delta) => new(FaultKind.WrongContentLength) { Delta = delta };

    /// <summary>Send the ETag as a weak validator (<c>W/"…"</c>), as servers that compress or re-encode do.</summary>
    public static Fault WeakETag() => new(FaultKind.WeakETag);

    /// <summary>Pace the body at this rate.</summary>
    public static Fault Throttle(long bytesPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytesPerSecond);
        return new Fault(FaultKind.Throttle) { BytesPerSecond = bytesPerSecond };
    }

    public override string ToString() => Kind switch
    {
        FaultKind.Status when RedirectBase is { } to => Invariant($"Redirect({to})"),
        FaultKind.Status when RetryAfterSeconds is { } s => Invariant($"Status({StatusCode}, retryAfter {s}s)"),
        FaultKind.Status => Invariant($"Status({StatusCode})"),
        FaultKind.DropAfter => Invariant($"DropAfter({Bytes})"),
        FaultKind.CorruptByte => Invariant($"CorruptByte({Offset})"),
        FaultKind.Stall when Release is not null => Invariant($"Hold({Bytes})"),
        FaultKind.Stall => Invariant($"Stall({Bytes}, {Duration.TotalMilliseconds}ms)"),
        FaultKind.WrongContentLength => Invariant($"WrongContentLength({Delta:+0;-0;0})"),
        FaultKind.Throttle => Invariant($"Throttle({BytesPerSecond}/s)"),
        _ => Kind.ToString(),
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
