using MaasImages.Engine.Errors;

namespace MaasImages.Engine.Streams;

/// <summary>Reads streams: the index into a <see cref="MaasStream"/>, products documents into image versions.</summary>
public static class StreamClient
{
    /// <summary>Fetch and parse the stream's index (signed <c>index.sjson</c> first, else <c>index.json</c>).</summary>
    /// <param name="source">Where the stream is.</param>
    /// <param name="skipSignatureCheck">The user accepted unverified metadata (-SkipSignatureCheck).</param>
    /// <param name="cancellationToken">Stops the read.</param>
    public static async Task<MaasStream> OpenAsync(StreamSource source, bool skipSignatureCheck, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var candidates = source.IndexPath is null ? StreamSource.IndexCandidates : [source.IndexPath];
        foreach (var indexPath in candidates)
        {
            var uri = source.Resolve(indexPath);
            var bytes = await DocumentFetcher.TryReadAsync(uri, cancellationToken).ConfigureAwait(false);
            if (bytes is null) continue;

            using var document = MetadataDocument.Parse(indexPath, uri, bytes);
            var (updated, contents) = StreamIndexParser.Parse(document, source);
            var name = source.Name ?? StreamIndexParser.CommonLabel(contents) ?? LastSegment(source.Root);
            // Verification itself is not implemented yet: a signed stream reports NotChecked.
            var status = !document.IsSigned ? StreamSignatureStatus.Unsigned
                : skipSignatureCheck ? StreamSignatureStatus.Skipped
                : StreamSignatureStatus.NotChecked;
            return new MaasStream(name, source, indexPath, uri, updated, document.IsSigned, status, contents, bytes);
        }
        throw new StreamNotFoundException(
            $"No stream at '{source.Root}': {string.Join(" or ", candidates)} not found. Check the URL or folder, or the stream name (e.g. stable, candidate).",
            source.Root);
    }

    /// <summary>Fetch and parse one products document of the stream.</summary>
    internal static async Task<ProductCatalog> ReadCatalogAsync(MaasStream stream, MaasContent content, CancellationToken cancellationToken)
    {
        var bytes = await DocumentFetcher.TryReadAsync(content.Uri, cancellationToken).ConfigureAwait(false)
            ?? throw new DocumentNotFoundException(
                $"'{content.Path}' (content id {content.ContentId}) is listed by the index of stream '{stream.Name}' but was not found at '{content.Uri}'.",
                content.Uri);
        // Not disposed: the catalog reads values from the parsed JSON on demand (see ProductCatalog.Parse).
        var document = MetadataDocument.Parse(content.Path, content.Uri, bytes);
        return ProductCatalog.Parse(document);
    }

    /// <summary>The image versions of one products document that match <paramref name="query"/>.</summary>
    public static async Task<IReadOnlyList<MaasImageVersion>> GetImageVersionsAsync(MaasStream stream, MaasContent content, ImageQuery query,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(query);
        var catalog = await ReadCatalogAsync(stream, content, cancellationToken).ConfigureAwait(false);
        return ImageSelector.Select(stream, catalog, query);
    }

    private static string LastSegment(Uri root)
    {
        var segments = root.AbsolutePath.TrimEnd('/').Split('/');
        return segments.Length > 0 && segments[^1].Length > 0 ? Uri.UnescapeDataString(segments[^1]) : root.Host;
    }
}
