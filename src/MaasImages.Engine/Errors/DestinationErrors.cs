namespace MaasImages.Engine.Errors;

/// <summary>
/// Not enough free space: checked before anything is downloaded (needed vs available), or the
/// file system filled up (no space or no inodes left, ENOSPC/EDQUOT) while the run wrote.
/// </summary>
public sealed class InsufficientDiskSpaceException : MaasImagesException
{
    public InsufficientDiskSpaceException(string path, long needed, long available)
        : base("InsufficientDiskSpace", MaasErrorKind.ResourceUnavailable,
            $"Not enough free space on '{path}': {needed:N0} bytes ({ByteSize.Format(needed)}) must still be fetched, {available:N0} bytes ({ByteSize.Format(available)}) are available. Nothing was downloaded.",
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
