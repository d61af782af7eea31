using System.Security.Cryptography;
using MaasImages.TestServer;

namespace MaasImages.Engine.Tests.Support;

/// <summary>One file of seeded random bytes at images/squashfs, served from its folder by a loopback server: what the download tests fetch.</summary>
public static class ServedRandomFile
{
    public const string RelativePath = "images/squashfs";

    /// <summary>Writes <paramref name="size"/> bytes under <paramref name="root"/> and serves the folder; returns the server and the file's sha256.</summary>
    public static async Task<(StreamServer Server, string Sha256)> StartAsync(string root, int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        var path = Path.Combine(root, RelativePath.Replace('/', Path.DirectorySeparatorChar));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, bytes);
        return (await StreamServer.StartAsync(root), Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant());
    }
}
