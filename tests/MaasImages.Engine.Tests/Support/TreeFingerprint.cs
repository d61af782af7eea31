using System.Security.Cryptography;

namespace MaasImages.Engine.Tests.Support;

/// <summary>
/// Everything under a folder, without following links: relative name → kind and content (a
/// file's sha256, a link's target). Two equal fingerprints mean nothing was added, removed,
/// renamed, retargeted or rewritten.
/// </summary>
public static class TreeFingerprint
{
    public static SortedDictionary<string, string> Of(string root)
    {
        var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (Directory.Exists(root)) Walk(root, root, entries);
        return entries;
    }

    private static void Walk(string root, string folder, SortedDictionary<string, string> entries)
    {
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos())
        {
            var name = Path.GetRelativePath(root, entry.FullName);
            if (entry.LinkTarget is { } target) entries[name] = "link -> " + target;
            else if (entry is DirectoryInfo)
            {
                entries[name] = "folder";
                Walk(root, entry.FullName, entries);
            }
            else entries[name] = "file " + Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(entry.FullName)));
        }
    }

    /// <summary>Asserts the two fingerprints are equal, listing what differs.</summary>
    public static void AssertSame(SortedDictionary<string, string> before, SortedDictionary<string, string> after, string what)
    {
        var changes = before.Keys.Union(after.Keys)
            .Where(k => before.GetValueOrDefault(k) != after.GetValueOrDefault(k))
            .Select(k => $"{k}: {before.GetValueOrDefault(k) ?? "(absent)"} => {after.GetValueOrDefault(k) ?? "(absent)"}")
            .ToList();
        Assert.True(changes.Count == 0, $"{what} changed:\n{string.Join('\n', changes)}");
    }
}
