using System.Security.Cryptography;

namespace MaasImages.Engine.Layout;

/// <summary>SHA-256 of a file on disk, for -Force and for files whose hash was never recorded.</summary>
internal static class ContentHash
{
    public static string Sha256Of(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }

    /// <summary>True when the file exists with the expected size and, if <paramref name="rehash"/>, the expected hash.</summary>
    public static bool Matches(string path, long size, string sha256, bool rehash)
    {
        var info = new FileInfo(path);
        if (!info.Exists || info.Length != size) return false;
        return !rehash || string.Equals(Sha256Of(path), sha256, StringComparison.OrdinalIgnoreCase);
    }
}
