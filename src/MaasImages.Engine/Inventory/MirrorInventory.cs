using MaasImages.Engine.Errors;
using MaasImages.Engine.Layout;
using MaasImages.Engine.Platform;
using MaasImages.Engine.Streams;

namespace MaasImages.Engine.Inventory;

/// <summary>
/// Reads a mirror the way MAAS reads it as a boot source: its index and products documents say
/// what each file is (sha256, size), the folder says which are there. A version is saved when any
/// of its files is present or recorded by this module (<c>.maasimages-mirror.json</c>); a recorded
/// file that is gone is listed as missing. Documents are read as they are on disk: they were
/// verified when they were saved. Nothing is written.
/// </summary>
internal static class MirrorInventory
{
    /// <param name="items">When given, filled with every item path the documents describe (sha256, size), saved or not.</param>
    public static async Task<List<MaasBootResource>> ReadAsync(string root, Action<MaasImagesException> error, CancellationToken cancellationToken,
        Dictionary<string, (string Sha256, long Size)>? items = null)
    {
        var stream = await StreamClient.OpenAsync(StreamSource.Resolve(null, root), skipSignatureCheck: true, cancellationToken).ConfigureAwait(false);
        var state = State(root);
        var resources = new List<MaasBootResource>();
        foreach (var content in stream.Contents.Where(c => c.Kind is MaasContentKind.Images or MaasContentKind.Bootloaders && c.IsSupportedFormat))
        {
            IReadOnlyList<MaasImageVersion> versions;
            try
            {
                versions = await StreamClient.GetImageVersionsAsync(stream, content, new ImageQuery(), cancellationToken).ConfigureAwait(false);
            }
            catch (MaasImagesException e)
            {
                error(e); // one damaged document: the others are still listed
                continue;
            }
            // Versions share files (one squashfs for every kernel of a release): only a file of its
            // own, or all of its files, make a version saved.
            var sharing = versions.SelectMany(v => v.Files.Select(f => f.Path)).GroupBy(p => p, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            foreach (var version in versions)
            {
                if (items is not null)
                    foreach (var file in version.Files) items.TryAdd(file.Path, (file.Sha256, file.Size));
                var files = new List<MaasBootResourceFile>();
                foreach (var file in version.Files)
                {
                    var local = Path.Combine(root, file.Path.Replace('/', Path.DirectorySeparatorChar));
                    var info = new FileInfo(local);
                    var present = info.Exists && info.LinkTarget is null && NoFollow.FindLinkBelow(root, local) is null;
                    var record = state.GetValueOrDefault(file.Path);
                    if (!present && record is null) continue;
                    files.Add(new MaasBootResourceFile(local, file.Path, present ? info.Length : 0, present, file.Sha256, file.Size, null,
                        record?.Source, file.Path));
                }
                if (files.Count == 0 || (files.Count < version.Files.Count && files.All(f => sharing[f.RelativePath] > 1))) continue;
                var type = content.Kind == MaasContentKind.Bootloaders ? MaasBootResourceType.Bootloader : MaasBootResourceType.Image;
                resources.Add(new MaasBootResource(type, SaveLayout.Mirror, root, CommonFolder(root, files), null,
                    version.Os, version.Release, version.Arch, version.Subarch, version.Kflavor, version.Label, version.ProductName,
                    version.VersionName, version.ContentId, version.Properties.GetValueOrDefault(MaasMeta.BootloaderTypeKey),
                    version.ReleaseVersion.Length > 0 ? version.ReleaseVersion : null, files));
            }
        }
        return resources.OrderBy(r => r.Type).ThenBy(r => r.ProductName, StringComparer.Ordinal).ThenBy(r => r.VersionName, StringComparer.Ordinal).ToList();
    }

    /// <summary>What this module recorded; unreadable or damaged records count as none (files are then judged by presence).</summary>
    internal static Dictionary<string, MirrorLayout.FileRecord> State(string root)
    {
        var path = Path.Combine(root, MirrorLayout.StateFile);
        if (NoFollow.IsLink(path)) return new(StringComparer.Ordinal);
        return MirrorLayout.LoadState(path).Where(kv => kv.Value is { Sha256: not null })
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
    }

    private static string CommonFolder(string root, List<MaasBootResourceFile> files)
    {
        var parts = files.Select(f => f.RelativePath.Split('/')[..^1]).ToList();
        var length = parts.Min(p => p.Length);
        int n = 0;
        while (n < length && parts.All(p => p[n] == parts[0][n])) n++;
        return Path.Combine([root, .. parts[0][..n]]);
    }
}
