using MaasImages.Engine.Errors;
using MaasImages.Engine.Platform;
using MaasImages.Engine.Security;
using MaasImages.Engine.Streams;

namespace MaasImages.Engine.Layout;

/// <summary>
/// The metadata half of a mirror: which stream it holds, and the index and products documents
/// written exactly as they were verified. Every form upstream offers (<c>.sjson</c>, <c>.json</c> +
/// <c>.json.gpg</c>) is written only once it was itself verified; a form that does not verify is
/// left out with a warning (MAAS reads <c>index.sjson</c> with the stock keyring, so the signed
/// form a stream is normally read from is always there).
/// </summary>
internal static class MirrorMetadata
{
    /// <summary>The index forms a mirror root can hold.</summary>
    private static readonly string[] IndexForms = ["streams/v1/index.sjson", "streams/v1/index.json"];

    /// <summary>
    /// The one stream <paramref name="images"/> come from, once the mirror root is known to hold
    /// no other (<c>StreamMismatch</c>, nothing overwritten: one root serves one stream).
    /// </summary>
    /// <remarks>
    /// The same stream means: the root's index is this stream's index document (the same path, in
    /// its <c>.sjson</c> or <c>.json</c> form — an index under another name, such as
    /// <c>index.sjson</c> when the stream is read from <c>other.sjson</c>, is another stream), and
    /// it lists no content id the stream no longer lists. Upstream adding a content id over time is
    /// the same stream. A content id gone (candidate saved over stable, even when the bootloader ids
    /// are shared) is refused unless -Force says upstream really dropped it; a root with no content id
    /// in common, or another index name, is refused even with -Force: that is never the same stream.
    /// </remarks>
    public static MaasStream? SingleStream(string root, IReadOnlyList<MaasImageVersion> images, bool force)
    {
        var streams = images.Select(i => i.Stream).Distinct().ToList();
        if (streams.Count == 0) return null;
        var ids = streams[0].ContentIds.ToHashSet(StringComparer.Ordinal);
        var other = streams.FirstOrDefault(s => !s.ContentIds.ToHashSet(StringComparer.Ordinal).SetEquals(ids));
        if (other is not null)
        {
            throw new StreamMismatchException(
                $"The images come from two different streams ('{streams[0].Name}' at {streams[0].Uri} and '{other.Name}' at {other.Uri}); " +
                "a mirror root holds one stream's index. Save each stream into its own folder.", root);
        }
        // The newest reading of the stream provides the index.
        var stream = streams.OrderByDescending(s => s.Updated ?? DateTimeOffset.MinValue).First();
        var ownForms = Forms(stream.IndexPath).ToList();
        foreach (var form in IndexForms.Concat(ownForms).Distinct(StringComparer.Ordinal))
        {
            var local = LocalPath(root, form);
            if (LocalDocument.IndexContentIds(local) is not { } saved) continue; // absent or unreadable: nothing to keep
            if (!ownForms.Contains(form, StringComparer.Ordinal))
            {
                throw new StreamMismatchException(
                    $"'{local}' is the index of another stream: stream '{stream.Name}' is read from '{stream.IndexPath}', and a mirror root serves one stream. " +
                    "Nothing was written: save this stream into its own folder.", local);
            }
            var dropped = saved.Where(id => !ids.Contains(id)).ToList();
            if (dropped.Count == 0) continue; // the same content ids, or upstream added some
            var added = ids.Where(id => !saved.Contains(id, StringComparer.Ordinal)).Order(StringComparer.Ordinal).ToList();
            var differs = $"'{local}' lists content ids stream '{stream.Name}' ({stream.Uri}) does not: {string.Join(", ", dropped)}" +
                (added.Count > 0 ? $"; the stream lists {string.Join(", ", added)} instead" : "") + ".";
            if (dropped.Count == saved.Count)
            {
                throw new StreamMismatchException(
                    $"{differs} It is the index of another stream (no content id in common). Nothing was written: save this stream into its own folder.", local);
            }
            if (force) continue;
            throw new StreamMismatchException(
                $"{differs} Saving would replace the index of another stream (candidate over stable?). Nothing was written: save this stream into " +
                "its own folder, or, if upstream really dropped those content ids, replace the index on purpose.", local)
            {
                Remedy = MaasRemedy.Override,
            };
        }
        return stream;
    }

    /// <summary>
    /// Refuses documents older than the copy already in the mirror, in either form (<c>.sjson</c> or
    /// <c>.json</c>), as <c>StaleMetadata</c> naming both dates, unless <paramref name="force"/>: the
    /// documents themselves remember what was saved.
    /// </summary>
    public static void EnsureNotStale(string root, IEnumerable<DocumentBytes> documents, bool force)
    {
        if (force) return;
        foreach (var document in documents)
        {
            if (document.Updated is not { } offered) continue;
            foreach (var form in Forms(document.Path))
            {
                if (LocalDocument.Updated(LocalPath(root, form)) is { } saved && offered < saved)
                    throw new StaleMetadataException(document.Path, offered, saved, root);
            }
        }
    }

    /// <summary>
    /// Every form of the stream's metadata that verifies, as checked: the form it was read from
    /// (reusing the products documents the images came from), then the others.
    /// </summary>
    public static async Task<List<DocumentBytes>> GatherAsync(MaasStream stream, IReadOnlyList<MaasImageVersion> images, Action<string> warn,
        CancellationToken cancellationToken)
    {
        var known = new Dictionary<string, DocumentBytes>(StringComparer.Ordinal);
        foreach (var document in images.Select(i => i.Document).OfType<DocumentBytes>())
        {
            if (!known.TryGetValue(document.Path, out var seen) || (document.Updated ?? DateTimeOffset.MinValue) > (seen.Updated ?? DateTimeOffset.MinValue))
                known[document.Path] = document;
        }
        var all = await StreamClient.ReadFormAsync(stream, stream.IndexPath, known.GetValueOrDefault, cancellationToken).ConfigureAwait(false) ?? [];
        foreach (var form in OtherForms(stream.IndexPath))
        {
            try
            {
                var documents = await StreamClient.ReadFormAsync(stream, form, _ => null, cancellationToken).ConfigureAwait(false);
                if (documents is not null) all.AddRange(documents);
            }
            catch (MaasImagesException e)
            {
                warn($"Not mirroring '{form}' and the documents it names: they do not verify ({e.Message}) The mirror keeps the verified '{stream.IndexPath}' form.");
            }
        }
        return all;
    }

    /// <summary>Writes each document (and its detached signature) atomically under the mirror root.</summary>
    public static void Write(string root, IEnumerable<DocumentBytes> documents, Action<string> log)
    {
        foreach (var document in documents)
        {
            WriteAtomically(LocalPath(root, document.Path), document.Raw);
            if (document.DetachedSignature is { } signature) WriteAtomically(LocalPath(root, document.Path + ".gpg"), signature);
            log($"Saved metadata {document.Path} ({document.Raw.Length:N0} bytes{(document.DetachedSignature is null ? "" : ", with its .gpg")}).");
        }
    }

    /// <summary>The document itself, then its other form.</summary>
    private static IEnumerable<string> Forms(string path) => OtherForms(path).Prepend(path);

    /// <summary>X.json for X.sjson and X.sjson for X.json.</summary>
    private static IEnumerable<string> OtherForms(string indexPath)
    {
        if (indexPath.EndsWith(".sjson", StringComparison.Ordinal)) yield return indexPath[..^".sjson".Length] + ".json";
        else if (indexPath.EndsWith(".json", StringComparison.Ordinal)) yield return indexPath[..^".json".Length] + ".sjson";
    }

    private static string LocalPath(string root, string relative) => Path.Combine(root, relative.Replace('/', Path.DirectorySeparatorChar));

    private static void WriteAtomically(string path, byte[] bytes) => AtomicFile.Write(path, bytes, ".partial");
}
