using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using MaasImages.Engine.Security;
using MaasImages.Engine.Streams;

namespace MaasImages.Engine.Layout;

/// <summary>
/// Rollback protection for the rack layout: the <c>updated</c> value of every products document a
/// destination was saved from, by content id, in <c>&lt;destination&gt;/.maasimages-metadata.json</c>.
/// A document older than the one already saved from is <c>StaleMetadata</c> unless -Force: a
/// replayed, genuinely signed old document must not take a rack controller back in time.
/// </summary>
internal static class RackMetadataDates
{
    internal const string FileName = ".maasimages-metadata.json";

    public static void EnsureNotStale(string root, IEnumerable<MaasImageVersion> images, bool force)
    {
        if (force) return;
        var saved = Load(root);
        foreach (var document in Documents(images))
        {
            if (document.Updated is not { } offered || !saved.TryGetValue(document.ContentId!, out var text)) continue;
            if (StreamIndexParser.ParseUpdated(text) is { } previous && offered < previous)
                throw new StaleMetadataException(document.Path, offered, previous, root);
        }
    }

    /// <summary>After a successful save: remember each document's date (newer ones, or any with -Force).</summary>
    public static void Record(string root, IEnumerable<MaasImageVersion> images, bool force)
    {
        var saved = Load(root);
        bool changed = false;
        foreach (var document in Documents(images))
        {
            if (document.Updated is not { } offered || document.UpdatedText is null) continue;
            var previous = saved.TryGetValue(document.ContentId!, out var text) ? StreamIndexParser.ParseUpdated(text) : null;
            if (previous is null || offered > previous || (force && offered != previous))
            {
                saved[document.ContentId!] = document.UpdatedText;
                changed = true;
            }
        }
        if (!changed) return;
        var path = Path.Combine(root, FileName);
        Platform.AtomicFile.Write(path, JsonSerializer.SerializeToUtf8Bytes(new SortedDictionary<string, string>(saved, StringComparer.Ordinal),
            (JsonTypeInfo<SortedDictionary<string, string>>)LayoutJson.Indented.GetTypeInfo(typeof(SortedDictionary<string, string>))), ".partial");
    }

    private static IEnumerable<DocumentBytes> Documents(IEnumerable<MaasImageVersion> images) =>
        images.Select(i => i.Document).OfType<DocumentBytes>().Where(d => d.ContentId is not null).DistinctBy(d => (d.ContentId, d.UpdatedText));

    private static Dictionary<string, string> Load(string root)
    {
        var path = Path.Combine(root, FileName);
        try
        {
            return File.Exists(path)
                ? JsonSerializer.Deserialize(File.ReadAllBytes(path), LayoutJson.Default.DictionaryStringString) ?? new(StringComparer.Ordinal)
                : new(StringComparer.Ordinal);
        }
        catch (JsonException)
        {
            return new(StringComparer.Ordinal); // unreadable: nothing is held against the new documents, and it is rewritten
        }
    }
}
