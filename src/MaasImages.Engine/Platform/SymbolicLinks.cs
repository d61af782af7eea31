using MaasImages.Engine.Errors;

namespace MaasImages.Engine.Platform;

/// <summary>
/// Makes symbolic links, turning "not allowed here" into <see cref="SymbolicLinkNotPermittedException"/>:
/// a TFTP root made of copies would silently go stale, so there is no copy fallback.
/// </summary>
internal static class SymbolicLinks
{
    private const int ErrorPrivilegeNotHeld = 1314; // Windows, without Developer Mode or the privilege

    /// <summary>A link at <paramref name="path"/> to the relative <paramref name="target"/> ('/'-separated).</summary>
    public static void Create(string path, string target, bool directory)
    {
        var native = target.Replace('/', Path.DirectorySeparatorChar);
        try
        {
            if (directory) Directory.CreateSymbolicLink(path, native);
            else File.CreateSymbolicLink(path, native);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
            var explained = Explain(path, e, e is UnauthorizedAccessException && !OperatingSystem.IsWindows() ? NativeFileSystem.WriteAccessErrno(folder) : 0);
            if (explained is null) throw;
            throw explained;
        }
    }

    /// <summary>
    /// The real cause of a failed symlink(2). .NET reports EACCES and EPERM alike (as
    /// UnauthorizedAccessException), so <paramref name="folderAccessErrno"/>, what access(2) says
    /// about writing the folder, tells them apart: EACCES or EROFS there is the folder's fault;
    /// writable folder yet refused (EPERM) is a file system without symlinks (FAT, some SMB mounts).
    /// </summary>
    internal static MaasImagesException? Explain(string path, Exception failure, int folderAccessErrno)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (IsNotPermitted(failure) && OperatingSystem.IsWindows()) return new SymbolicLinkNotPermittedException(path, failure);
        var errno = failure is UnauthorizedAccessException ? (folderAccessErrno != 0 ? folderAccessErrno : IoFailures.EPERM) : failure.HResult;
        return errno switch
        {
            IoFailures.EPERM => new SymbolicLinkNotPermittedException(path, failure),
            IoFailures.EACCES => new Errors.DestinationNotWritableException(folder, "permission denied: this account may not create entries in it", failure),
            IoFailures.EROFS => new Errors.DestinationNotWritableException(folder, "the file system is read-only", failure),
            _ => IoFailures.Translate(new IOException(failure.Message, errno), folder),
        };
    }

    /// <summary>The link's target with '/' separators, or null when <paramref name="path"/> is not a link.</summary>
    public static string? ReadTarget(string path) =>
        new FileInfo(path).LinkTarget?.Replace(Path.DirectorySeparatorChar, '/');

    internal static bool IsNotPermitted(Exception e) =>
        e is UnauthorizedAccessException || (e is IOException && (e.HResult & 0xFFFF) == ErrorPrivilegeNotHeld);
}
