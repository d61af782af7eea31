using System.Security.Cryptography;
using MaasImages.Engine.Inventory;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Transfer;

namespace MaasImages.Engine.Manifests;

/// <summary>
/// Finds, fetches and reads the package manifest of an image: from the stream (only the
/// <c>manifest</c> item, through the transfer engine into a content-addressed cache, verified by
/// sha256 and size, resumable), from a saved boot resource (a mirror keeps it), or from a file.
/// </summary>
public static class ManifestLoader
{
    /// <summary>The item type (ftype) of a version's package manifest.</summary>
    public const string ManifestFileType = "manifest";

    /// <summary>
    /// Where fetched manifests are kept: <c>$XDG_CACHE_HOME/MaasImages/manifests</c> (else
    /// <c>~/.cache/…</c>); on Windows <c>%LOCALAPPDATA%\MaasImages\manifests</c>.
    /// </summary>
    public static string DefaultCachePath()
    {
        if (OperatingSystem.IsWindows())
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "MaasImages", "manifests");
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = !string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "MaasImages", "manifests");
    }

    /// <summary>The manifest of a stream image version, fetched into <paramref name="cacheFolder"/> unless already there and intact.</summary>
    public static async Task<IReadOnlyList<MaasImagePackage>> LoadAsync(MaasImageVersion image, string cacheFolder, TransferOptions options,
        ITransferObserver observer, Action<ManifestWarning> warn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        var file = image.Files.FirstOrDefault(f => string.Equals(f.FileType, ManifestFileType, StringComparison.Ordinal))
            ?? throw new ManifestNotFoundException($"{image} lists no '{ManifestFileType}' item: its packages are not published.", image);
        var describedBy = Describe(image, file.Uri.ToString());
        if (file.Size > ManifestReader.MaxBytes)
            throw new ManifestTooLargeException($"The manifest of {image} claims {file.Size} bytes, more than {ManifestReader.MaxBytes} bytes: not fetched.", file.Uri);
        var sha256 = file.Sha256;
        if (sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigitLower))
            throw new ManifestNotFoundException($"The manifest item of {image} has no valid sha256: not fetched.", file.Uri);

        var cached = Path.Combine(Path.GetFullPath(cacheFolder), sha256);
        if (!IsIntact(cached, sha256, file.Size))
        {
            var item = new DownloadItem(file.Uri, sha256, file.Size, cached, file.Path);
            await new TransferEngine(options, observer).RunAsync([item], cancellationToken).ConfigureAwait(false);
        }
        else
        {
            observer.OnMessage($"{file.Path}: reusing the verified copy in {cacheFolder}");
        }
        return Read(cached, describedBy, warn);
    }

    /// <summary>The manifest a mirror saved beside the image's files (a rack tree keeps none).</summary>
    public static IReadOnlyList<MaasImagePackage> Load(MaasBootResource resource, Action<ManifestWarning> warn)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var file = resource.Files.FirstOrDefault(f => f.Exists && f.Name.EndsWith(".manifest", StringComparison.Ordinal))
            ?? throw new ManifestNotFoundException(
                $"No manifest is saved for {resource} in {resource.Root} (a rack tree keeps none; a mirror does): " +
                "pipe the stream's image version (Get-MaasImageVersion) instead.", resource);
        var image = new ManifestImage(resource.Os, resource.Release, resource.Arch, resource.Subarch, resource.ProductName, resource.VersionName, file.Path);
        return Read(file.Path, image, warn);
    }

    /// <summary>A manifest file on its own.</summary>
    public static IReadOnlyList<MaasImagePackage> Load(string path, Action<ManifestWarning> warn) =>
        Read(path, new ManifestImage(null, null, null, null, null, null, path), warn);

    private static List<MaasImagePackage> Read(string path, ManifestImage image, Action<ManifestWarning> warn) =>
        ManifestReader.ReadFile(path, warning => warn(warning with { Source = image.Source }))
            .Select(entry => new MaasImagePackage(entry, image)).ToList();

    private static ManifestImage Describe(MaasImageVersion image, string source) =>
        new(image.Os, image.Release, image.Arch, image.Subarch, image.ProductName, image.VersionName, source);

    /// <summary>A cached copy counts only when its size and sha256 are still right (manifests are small: re-hashing is cheap).</summary>
    private static bool IsIntact(string path, string sha256, long size)
    {
        var info = new FileInfo(path);
        if (!info.Exists || info.Length != size) return false;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return string.Equals(Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant(), sha256, StringComparison.Ordinal);
    }
}
