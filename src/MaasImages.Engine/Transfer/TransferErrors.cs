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

/// <summary>
/// Not enough free space: checked before anything is downloaded (needed vs available), or the
/// file system filled up (no space or no inodes left, ENOSPC/EDQUOT) while the run wrote.
/// </summary>
public sealed class InsufficientDiskSpaceException : MaasImagesException
{
    public InsufficientDiskSpaceException(string path, long needed, long available)
        : base("InsufficientDiskSpace", MaasErrorKind.ResourceUnavailable,
            $"Not enough free space on '{path}': {needed:N0} bytes ({Streams.ByteSize.Format(needed)}) must still be fetched, {available:N0} bytes ({Streams.ByteSize.Format(available)}) are available. Nothing was downloaded.",
            path)
    {
        Needed = needed;
        Available = available;
    }

    /// <summary>The disk (or its inodes, or the user's quota) ran out while writing.</summary>
    public InsufficientDiskSpaceException(string path, Exception inner)
        : base("InsufficientDiskSpace", MaasErrorKind.ResourceUnavailable,
            $"The file system holding '{path}' is full (no space or no inodes left): {inner.Message}. Partial downloads are kept for the next run to resume, " +
            "no half-built snapshot is left, and 'current' is unchanged. Free some space and run again.",
            path, inner)
    {
    }

    public long Needed { get; }
    public long Available { get; }
}

/// <summary>The destination (or its lock file) cannot be written: permission denied, or a read-only file system.</summary>
public sealed class DestinationNotWritableException(string path, string reason, Exception? inner = null)
    : MaasImagesException("DestinationNotWritable", MaasErrorKind.PermissionDenied,
        $"Cannot write to '{path}': {reason}. Nothing was changed there. Choose a destination this account can write to, or fix its permissions or mount options.",
        path, inner)
{
    public string Reason { get; } = reason;
}

/// <summary>
/// Any other I/O failure of the destination (an I/O error of the disk, a file where this module
/// needs a folder...): the system's message and errno, with the destination, never a raw exception.
/// </summary>
public sealed class DestinationIOErrorException(string path, Exception inner)
    : MaasImagesException("DestinationIOError", MaasErrorKind.WriteError,
        $"Cannot read or write under '{path}': {inner.Message.TrimEnd('.')}{(inner.HResult is > 0 and < 4096 ? $" (errno {inner.HResult})" : "")}. " +
        "Files already complete there are kept, and partial downloads stay for the next run; fix the cause (see the message, or the system log for a disk error) and run again.",
        path, inner);

/// <summary>-Path cannot be a destination folder: it is a file, its parent is a file, or it is under a kernel pseudo file system.</summary>
public sealed class InvalidDestinationException(string path, string reason)
    : MaasImagesException("InvalidDestination", MaasErrorKind.InvalidArgument,
        $"'{path}' cannot be a destination: {reason}. Pass a folder (it is created if missing) on a real file system.", path);

/// <summary>Another run holds the destination's lock for longer than we were willing to wait.</summary>
public sealed class DestinationLockedException(string path, TimeSpan waited, string? holder)
    : MaasImagesException("DestinationLocked", MaasErrorKind.ResourceUnavailable,
        $"'{path}' is being written by another run{(holder is null ? "" : $" ({holder})")}; gave up after waiting {waited.TotalSeconds:0} s. Try again when it has finished.",
        path);

/// <summary>A download failed for good (after retries, or on a status that is never retried).</summary>
public sealed class DownloadFailedException(string message, object? target, Exception? inner = null)
    : MaasImagesException("DownloadFailed", MaasErrorKind.ConnectionError, message, target, inner);

/// <summary>
/// A failure worth another attempt (network error, stall, 408/429/5xx, short body). Internal: the
/// retry pipeline consumes it; callers see DownloadFailedException when retries run out.
/// </summary>
internal sealed class TransientTransferException(string message, TimeSpan? retryAfter = null, Exception? inner = null)
    : Exception(message, inner)
{
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
