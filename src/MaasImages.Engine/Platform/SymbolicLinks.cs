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
        catch (Exception e) when (IsNotPermitted(e))
        {
            throw new SymbolicLinkNotPermittedException(path, e);
        }
    }

    /// <summary>The link's target with '/' separators, or null when <paramref name="path"/> is not a link.</summary>
    public static string? ReadTarget(string path) =>
        new FileInfo(path).LinkTarget?.Replace(Path.DirectorySeparatorChar, '/');

    internal static bool IsNotPermitted(Exception e) =>
        e is UnauthorizedAccessException || (e is IOException && (e.HResult & 0xFFFF) == ErrorPrivilegeNotHeld);
}
