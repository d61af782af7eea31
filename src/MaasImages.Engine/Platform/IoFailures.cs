using MaasImages.Engine.Errors;

namespace MaasImages.Engine.Platform;

/// <summary>
/// Turns the I/O failures of writing a destination into stable errors: permission denied or a
/// read-only file system (DestinationNotWritable), a full disk, no inodes left or a quota
/// (InsufficientDiskSpace), a symbolic link loop or a name too long (InvalidDestination), and
/// anything else, an I/O error of the disk included (DestinationIOError). On Unix .NET carries
/// errno in <see cref="Exception.HResult"/> of an IOException; EACCES and EPERM arrive as
/// UnauthorizedAccessException, ENAMETOOLONG as PathTooLongException.
/// </summary>
public static class IoFailures
{
    public const int EPERM = 1;
    public const int EACCES = 13;
    public const int ENOSPC = 28;
    public const int EROFS = 30;
    private const int EloopLinux = 40;
    private const int ElooopBsd = 62;
    private const int EnametoolongLinux = 36;
    private const int EnametoolongBsd = 63;
    private const int EdquotLinux = 122;
    private const int EdquotBsd = 69;
    private const int ErrorDiskFull = unchecked((int)0x80070070);
    private const int ErrorHandleDiskFull = unchecked((int)0x80070027);
    private const int ErrorWriteProtect = unchecked((int)0x80070013);

    /// <summary>
    /// The stable error for <paramref name="failure"/> while working under <paramref name="destination"/>;
    /// null only when it is not an I/O failure at all (neither IOException nor UnauthorizedAccessException).
    /// </summary>
    public static MaasImagesException? Translate(Exception failure, string destination)
    {
        ArgumentNullException.ThrowIfNull(failure);
        if (failure is MaasImagesException known) return known;
        if (failure is UnauthorizedAccessException) return new DestinationNotWritableException(destination, "permission denied", failure);
        if (failure is PathTooLongException) return NameTooLong(destination);
        if (failure is not IOException) return null;
        var bsd = OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD();
        return Errno(failure) switch
        {
            EROFS or ErrorWriteProtect => new DestinationNotWritableException(destination, "the file system is read-only", failure),
            EACCES or EPERM => new DestinationNotWritableException(destination, "permission denied", failure),
            ENOSPC or ErrorDiskFull or ErrorHandleDiskFull => new InsufficientDiskSpaceException(destination, failure),
            EdquotLinux when OperatingSystem.IsLinux() => new InsufficientDiskSpaceException(destination, failure),
            EdquotBsd when bsd => new InsufficientDiskSpaceException(destination, failure),
            EloopLinux when OperatingSystem.IsLinux() => LinkLoop(destination),
            ElooopBsd when bsd => LinkLoop(destination),
            EnametoolongLinux when OperatingSystem.IsLinux() => NameTooLong(destination),
            EnametoolongBsd when bsd => NameTooLong(destination),
            _ => new DestinationIOErrorException(destination, failure),
        };
    }

    /// <summary>Runs <paramref name="action"/>, turning its I/O failures under <paramref name="destination"/> into stable errors.</summary>
    public static T Guard<T>(string destination, Func<T> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        try
        {
            return action();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Translate(e, destination)!;
        }
    }

    internal static InvalidDestinationException LinkLoop(string path) =>
        new(path, "a symbolic link on its path loops (too many levels of symbolic links)");

    internal static InvalidDestinationException NameTooLong(string path) =>
        new(path, "its path, or a name in it, is longer than the file system allows");

    /// <summary>errno on Unix (HResult of an IOException), the HRESULT on Windows.</summary>
    public static int Errno(Exception failure) => failure?.HResult ?? 0;

    /// <summary>True when <paramref name="failure"/> only says another process holds the file (flock, share mode): worth waiting for.</summary>
    public static bool IsHeldByAnother(IOException failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        if (OperatingSystem.IsWindows()) return (failure.HResult & 0xFFFF) is 32 or 33; // sharing / lock violation
        return failure.HResult is 11 /* EWOULDBLOCK on Linux */ or 35 /* on macOS and BSD */;
    }
}
