using MaasImages.Engine.Errors;

namespace MaasImages.Engine.Transfer;

/// <summary>The bytes received do not match the metadata, twice in a row.</summary>
public sealed class ChecksumMismatchException(string file, string expected, string actual, long expectedSize, long actualSize)
    : MaasImagesException("ChecksumMismatch", MaasErrorKind.InvalidData,
        $"'{file}' failed verification twice: expected sha256 {expected} ({expectedSize} bytes), got {actual} ({actualSize} bytes). Nothing was written at the final path.",
        file)
{
    public string Expected { get; } = expected;
    public string Actual { get; } = actual;
}

/// <summary>Another run holds the destination's lock for longer than we were willing to wait.</summary>
public sealed class DestinationLockedException(string path, TimeSpan waited, string? holder)
    : MaasImagesException("DestinationLocked", MaasErrorKind.ResourceUnavailable,
        $"'{path}' is being written by another run{(holder is null ? "" : $" ({holder})")}; gave up after waiting {waited.TotalSeconds:0} s. Try again when it has finished.",
        path);

/// <summary>A download failed for good (after retries, or on a status that is never retried).</summary>
public sealed class DownloadFailedException(string message, object? target, Exception? inner = null)
    : MaasImagesException("DownloadFailed", MaasErrorKind.ConnectionError, message, target, inner)
{
    /// <summary>Why the connection failed, when it did (the cmdlet layer adds what to do).</summary>
    public ConnectionFailure Failure { get; init; }
}

/// <summary>
/// A failure worth another attempt (network error, stall, 408/429/5xx, short body). Internal: the
/// retry pipeline consumes it; callers see DownloadFailedException when retries run out.
/// </summary>
internal sealed class TransientTransferException(string message, TimeSpan? retryAfter = null, Exception? inner = null)
    : Exception(message, inner)
{
    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>Why the connection failed, when it did; passed on to the DownloadFailedException.</summary>
    public ConnectionFailure Failure { get; init; }
}
