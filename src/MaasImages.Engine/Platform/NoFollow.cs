namespace MaasImages.Engine.Platform;

/// <summary>
/// File-tree operations that never follow a symbolic link (or junction): a link planted in a
/// destination, by an attacker or an old tool, must not lead a delete or a write outside it.
/// </summary>
public static class NoFollow
{
    /// <summary>True when <paramref name="path"/> itself is a link, whatever it points to (even nothing).</summary>
    public static bool IsLink(string path) => new FileInfo(path).LinkTarget is not null;

    /// <summary>
    /// Deletes <paramref name="path"/> and everything under it without following links: a link is
    /// removed itself, never what it points to; a real folder is emptied that way, then removed.
    /// Nothing happens when the path does not exist. <paramref name="afterEachEntry"/> runs after
    /// each entry removed (the kill tests pause there).
    /// </summary>
    public static void DeleteTree(string path, Action? afterEachEntry = null)
    {
        if (IsLink(path))
        {
            RemoveLink(path);
            afterEachEntry?.Invoke();
            return;
        }
        if (!Directory.Exists(path))
        {
            if (File.Exists(path))
            {
                File.Delete(path);
                afterEachEntry?.Invoke();
            }
            return;
        }
        foreach (var entry in Directory.EnumerateFileSystemEntries(path).ToList()) DeleteTree(entry, afterEachEntry);
        Directory.Delete(path);
        afterEachEntry?.Invoke();
    }

    /// <summary>
    /// The first link among the folders between <paramref name="root"/> (excluded: the user chose
    /// it) and <paramref name="path"/> (excluded: a file is replaced by rename, never written
    /// through), or null when there is none. A path that is not under the root is returned itself.
    /// </summary>
    public static string? FindLinkBelow(string root, string path)
    {
        root = Path.GetFullPath(root);
        var relative = Path.GetRelativePath(root, Path.GetDirectoryName(Path.GetFullPath(path)) ?? root);
        if (relative == ".") return null;
        if (Path.IsPathRooted(relative) || relative == ".." || relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal)) return path;
        var folder = root;
        foreach (var segment in relative.Split(Path.DirectorySeparatorChar))
        {
            folder = Path.Combine(folder, segment);
            if (IsLink(folder)) return folder;
        }
        return null;
    }

    /// <summary>Removes the link itself: a folder link on Windows goes as a folder, without recursion.</summary>
    private static void RemoveLink(string path)
    {
        if (OperatingSystem.IsWindows() && (File.GetAttributes(path) & FileAttributes.Directory) != 0) Directory.Delete(path);
        else File.Delete(path);
    }
}
