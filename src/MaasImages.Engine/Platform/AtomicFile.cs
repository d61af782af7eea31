namespace MaasImages.Engine.Platform;

/// <summary>
/// Small files (metadata, records) written whole or not at all: to a temporary name beside the
/// file, then renamed over it. When the write fails (a full disk, a read-only file system) the
/// temporary is removed again, so nothing half-written is left and the previous file stays as it was.
/// </summary>
internal static class AtomicFile
{
    public static void Write(string path, byte[] bytes, string temporarySuffix = ".tmp")
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + temporarySuffix;
        File.Delete(temporary); // a planted link there is removed, not written through
        try
        {
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The write's own failure is what the caller must see.
        }
    }
}
