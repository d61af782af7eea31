namespace MaasImages.Engine.Platform;

/// <summary>
/// Puts a verified file at another path: a hard link where the file system allows, else a copy
/// (said once). Always through a temporary name and a rename, so no reader sees half a file.
/// </summary>
internal sealed class FilePlacer(Action<string> log, bool copyOnly = false)
{
    private int _copying;

    public void Place(string source, string destination)
    {
        if (string.Equals(source, destination, StringComparison.Ordinal)) return;
        // Already a link to the same file (carried forward): nothing to do. rename(2) of two links
        // to one inode is a no-op that would leave the temporary name behind.
        if (NativeFileSystem.GetFileId(destination) is { } existing && NativeFileSystem.GetFileId(source) == existing) return;
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        var temporary = destination + ".placing";
        File.Delete(temporary);
        if (copyOnly || !NativeFileSystem.TryCreateHardLink(source, temporary))
        {
            if (Interlocked.Exchange(ref _copying, 1) == 0)
                log($"Hard links are not possible under '{Path.GetDirectoryName(destination)}': copying files instead (uses more space).");
            File.Copy(source, temporary, overwrite: true);
        }
        File.Move(temporary, destination, overwrite: true);
        File.Delete(temporary); // where the rename was a no-op (same file under both names)
    }
}
