using System.Text.Json;
using System.Text.Json.Nodes;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Layout;
using MaasImages.Engine.Security;

namespace MaasImages.Engine.Inventory;

/// <summary>
/// Reads a rack snapshot the way MAAS itself would understand it: maas.meta says which product
/// versions it holds (an entry per subarch alias), the tree says where their files are
/// (&lt;os&gt;/&lt;arch&gt;/&lt;subarch&gt;/&lt;release&gt;/&lt;label&gt;, bootloader/&lt;type&gt;/&lt;arch&gt;), and the
/// cache says what each file should be: an image file is a hard link to cache/&lt;sha256&gt;, found by
/// this module's reference record or, for a tree MAAS wrote, by inode. Nothing is written.
/// </summary>
internal static class RackInventory
{
    /// <summary>Larger than any real maas.meta by far: a bigger file is not read into memory.</summary>
    private const long MaxMetaBytes = 64L << 20;

    public static List<MaasBootResource> Read(string root, string snapshot, Action<MaasImagesException> error)
    {
        var meta = LoadMeta(Path.Combine(snapshot, RackSnapshots.MetaName));
        var references = RackSnapshots.ReadReferences(root, snapshot);
        var resources = new List<MaasBootResource>();
        foreach (var group in Entries(meta, snapshot, error).GroupBy(e => (e.Product, e.Version)))
        {
            var entries = group.ToList();
            resources.Add(entries[0].Bootloader
                ? Bootloader(root, snapshot, entries, references)
                : Image(root, snapshot, entries, references));
        }
        return resources.OrderBy(r => r.Type).ThenBy(r => r.ProductName, StringComparer.Ordinal).ToList();
    }

    /// <summary>maas.meta as a JSON object, or MalformedMaasMeta: a missing file lists nothing, a damaged one is an error.</summary>
    private static JsonObject LoadMeta(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is { } target) throw new MalformedMaasMetaException(path, $"it is a symbolic link (to '{target}'), never written by MAAS or this module");
        if (!info.Exists) return new JsonObject();
        if (info.Length > MaxMetaBytes) throw new MalformedMaasMetaException(path, $"it is {info.Length:N0} bytes, far more than any maas.meta");
        try
        {
            return JsonNode.Parse(File.ReadAllBytes(path)) as JsonObject ?? throw new MalformedMaasMetaException(path, "it is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new MalformedMaasMetaException(path, $"not valid JSON ({e.Message})", e);
        }
    }

    private sealed record Entry(string[] Key, string Product, string Version, string? ContentId, string? ReleaseTitle, bool Bootloader);

    /// <summary>
    /// Every entry at depth 6 that names its product. An entry whose keys cannot be folder names
    /// (hostile or damaged) is an UnsafePath error and is skipped: no path is ever built from it.
    /// </summary>
    private static IEnumerable<Entry> Entries(JsonObject meta, string snapshot, Action<MaasImagesException> error)
    {
        foreach (var (os, arches) in Objects(meta))
            foreach (var (arch, subarches) in Objects(arches))
                foreach (var (subarch, kflavors) in Objects(subarches))
                    foreach (var (kflavor, releases) in Objects(kflavors))
                        foreach (var (release, labels) in Objects(releases))
                            foreach (var (label, node) in Objects(labels))
                            {
                                if (node is not JsonObject entry || Text(entry, "product_name") is not { } product) continue;
                                string[] key = [os, arch, subarch, kflavor, release, label];
                                var bootloaderType = Text(entry, MaasMeta.BootloaderTypeKey);
                                var problem = key.Select(k => PathSafety.FindSegmentProblem(k)).FirstOrDefault(p => p is not null)
                                    ?? (entry.ContainsKey(MaasMeta.BootloaderTypeKey) ? PathSafety.FindSegmentProblem(bootloaderType) : null);
                                if (problem is not null)
                                {
                                    error(new UnsafePathException(
                                        $"Skipping the maas.meta entry '{PathSafety.Printable(string.Join("/", key))}' of '{snapshot}' ({PathSafety.Printable(product)}): " +
                                        $"a key cannot be a folder name: {problem}. No path was built from it.", Path.Combine(snapshot, RackSnapshots.MetaName)));
                                    continue;
                                }
                                yield return new Entry(key, product, Text(entry, "version_name") ?? string.Empty, Text(entry, "content_id"),
                                    Text(entry, "release_title"), entry.ContainsKey(MaasMeta.BootloaderTypeKey));
                            }
    }

    private static string? Text(JsonObject entry, string key) =>
        entry[key] is JsonValue value && value.TryGetValue(out string? text) ? text : null;

    private static List<KeyValuePair<string, JsonNode?>> Objects(JsonNode? node) => node is JsonObject o ? o.ToList() : [];

    /// <summary>
    /// An image version: its folders are those of its entries' keys that exist in the tree (its own
    /// subarch, <c>generic</c>, the rolling alias; an alias key of subarches has no folder).
    /// </summary>
    private static MaasBootResource Image(string root, string snapshot, List<Entry> entries, CacheReferences references)
    {
        var placed = entries.Select(e => (Entry: e, Folder: ImageFolder(e.Key)))
            .Where(p => RealFolder(snapshot, p.Folder) is not null || references.Files.Keys.Any(k => k.StartsWith(p.Folder + "/", StringComparison.Ordinal)))
            .DistinctBy(p => p.Folder, StringComparer.Ordinal)
            .ToList();
        var own = OwnEntry(entries, placed.Select(p => p.Entry).ToList());
        var files = placed.SelectMany(p => FilesIn(snapshot, p.Folder, references)).ToList();
        var ownFolder = Path.Combine(snapshot, ImageFolder(own.Key).Replace('/', Path.DirectorySeparatorChar));
        return new MaasBootResource(MaasBootResourceType.Image, SaveLayout.Rack, root, ownFolder, Path.GetFileName(snapshot),
            own.Key[0], own.Key[4], own.Key[1], own.Key[2], own.Key[3], own.Key[5], own.Product, own.Version, own.ContentId, null,
            VersionFromTitle(own.ReleaseTitle), files);
    }

    /// <summary>
    /// The entry of the image's own subarch: the one named by the product name's last part
    /// (…:ga-22.04, …:ga-22.04-lowlatency), else a placed one that is not an alias folder
    /// (generic, *-rolling), else the first.
    /// </summary>
    private static Entry OwnEntry(List<Entry> entries, List<Entry> placed)
    {
        var candidates = placed.Count > 0 ? placed : entries;
        var suffix = entries[0].Product[(entries[0].Product.LastIndexOf(':') + 1)..];
        return candidates.FirstOrDefault(e => e.Key[2] == suffix || SubarchFolder(e.Key) == suffix)
            ?? candidates.FirstOrDefault(e => e.Key[2] != "generic" && !e.Key[2].EndsWith("-rolling", StringComparison.Ordinal))
            ?? candidates[0];
    }

    /// <summary>A bootloader: its files are bootloader/&lt;type&gt;/&lt;arch&gt;/.</summary>
    private static MaasBootResource Bootloader(string root, string snapshot, List<Entry> entries, CacheReferences references)
    {
        var entry = entries[0];
        var type = entry.Key[4];
        var folder = $"bootloader/{type}/{entry.Key[1]}";
        return new MaasBootResource(MaasBootResourceType.Bootloader, SaveLayout.Rack, root,
            Path.Combine(snapshot, folder.Replace('/', Path.DirectorySeparatorChar)), Path.GetFileName(snapshot),
            entry.Key[0], string.Empty, entry.Key[1], string.Empty, null, entry.Key[5], entry.Product, entry.Version, entry.ContentId, type, null,
            FilesIn(snapshot, folder, references).ToList());
    }

    /// <summary>os/arch/subarch-folder/release/label, as RackPlacement lays an image out.</summary>
    internal static string ImageFolder(string[] key) => string.Join('/', key[0], key[1], SubarchFolder(key), key[4], key[5]);

    /// <summary>A non-generic kernel flavour is folded into the subarch folder (ga-22.04-lowlatency).</summary>
    private static string SubarchFolder(string[] key) =>
        key[3] is "generic" or "bootloader" || key[2].EndsWith("-" + key[3], StringComparison.Ordinal) ? key[2] : $"{key[2]}-{key[3]}";

    private static string? VersionFromTitle(string? title)
    {
        var first = title?.Split(' ')[0];
        return first is { Length: > 0 } && char.IsAsciiDigit(first[0]) ? first : null;
    }

    /// <summary>
    /// The regular files of a folder (never through a link) that are cache files, and the files the reference record
    /// places there that are gone (Exists false). The expected hash: an image's cache name is its
    /// sha256; a bootloader member's was recorded when it was extracted.
    /// </summary>
    private static IEnumerable<MaasBootResourceFile> FilesIn(string snapshot, string folder, CacheReferences references)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (RealFolder(snapshot, folder) is { } dir)
        {
            foreach (var file in dir.EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = 0 }))
            {
                if (file.LinkTarget is not null) continue;
                var relative = $"{folder}/{file.Name}";
                // Only what the cache explains belongs to the resource: a stray file (a leftover
                // temporary, a copy made by hand) is not part of it (Test-MaasBootResource: Unexpected).
                if (!references.Files.ContainsKey(relative) && !references.Unknown.Contains(relative)) continue;
                seen.Add(relative);
                yield return Describe(snapshot, relative, file.Length, true, references);
            }
        }
        foreach (var relative in references.Files.Keys.Where(k => k.StartsWith(folder + "/", StringComparison.Ordinal) && k.IndexOf('/', folder.Length + 1) < 0))
        {
            if (seen.Contains(relative) || PathSafety.FindProblem(relative) is not null) continue;
            yield return Describe(snapshot, relative, 0, false, references);
        }
    }

    private static MaasBootResourceFile Describe(string snapshot, string relative, long size, bool exists, CacheReferences references)
    {
        var cacheName = references.Files.GetValueOrDefault(relative);
        var content = cacheName is null ? null : references.Content.GetValueOrDefault(cacheName);
        var sha256 = content?.Sha256 ?? (cacheName is not null && IsSha256(cacheName) ? cacheName : null);
        return new MaasBootResourceFile(Path.Combine(snapshot, relative.Replace('/', Path.DirectorySeparatorChar)), relative, size, exists,
            sha256, content?.Size, cacheName, content?.Source, content?.SourcePath);
    }

    internal static bool IsSha256(string name) => name.Length == 64 && name.All(char.IsAsciiHexDigitLower);

    /// <summary>The folder when it and every folder above it (below the snapshot) are real folders; null otherwise.</summary>
    internal static DirectoryInfo? RealFolder(string snapshot, string relative)
    {
        var current = new DirectoryInfo(snapshot);
        foreach (var segment in relative.Split('/'))
        {
            current = new DirectoryInfo(Path.Combine(current.FullName, segment));
            if (!current.Exists || current.LinkTarget is not null) return null;
        }
        return current;
    }
}
