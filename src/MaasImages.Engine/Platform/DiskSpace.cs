namespace MaasImages.Engine.Platform;

/// <summary>Free space where files will be written.</summary>
public static class DiskSpace
{
    /// <summary>Bytes available to this user on the file system holding <paramref name="path"/> (or its nearest existing parent); null when unknown.</summary>
    public static long? Available(string path)
    {
        var existing = Path.GetFullPath(path);
        while (!Directory.Exists(existing))
        {
            var parent = Path.GetDirectoryName(existing);
            if (parent is null) return null;
            existing = parent;
        }
        try
        {
            return new DriveInfo(existing).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
