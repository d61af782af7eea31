using MaasImages.Engine.Errors;
using MaasImages.Engine.Security;

namespace MaasImages.Engine.Streams;

/// <summary>Reads streams: the index into a <see cref="MaasStream"/>, products documents into image versions.</summary>
public static class StreamClient
{
    /// <summary>Fetch, verify and parse the stream's index (signed <c>index.sjson</c> first, else <c>index.json</c>).</summary>
    public static Task<MaasStream> OpenAsync(StreamSource source, bool skipSignatureCheck, CancellationToken cancellationToken) =>
        OpenAsync(source, new StreamReadOptions { SkipSignatureCheck = skipSignatureCheck }, cancellationToken);

    /// <summary>
    /// Fetch, verify and parse the stream's index. A signed index is verified against the keyring
    /// (<see cref="Keyring.Resolve"/>); an unsigned one is refused unless the options skip the check.
    /// </summary>
    public static async Task<MaasStream> OpenAsync(StreamSource source, StreamReadOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        Keyring? keyring = null;
        Func<Keyring>? resolveKeyring = options.SkipSignatureCheck ? null : () => keyring ??= Keyring.Resolve(options.KeyringPath);
        var candidates = source.IndexPath is null ? StreamSource.IndexCandidates : [source.IndexPath];
        foreach (var indexPath in candidates)
        {
            var uri = source.Resolve(indexPath);
            var bytes = await DocumentFetcher.TryReadAsync(uri, cancellationToken).ConfigureAwait(false);
            if (bytes is null) continue;

            var read = await SignedDocumentReader.ReadAsync(indexPath, uri, bytes, resolveKeyring, SignatureMode.None, cancellationToken).ConfigureAwait(false);
            using var document = read.Document;
            if (read.Mode == SignatureMode.None && !options.SkipSignatureCheck)
            {
                throw new UnsignedStreamException(
                    $"Stream at '{source.Root}' is not signed ('{indexPath}' has no signature and there is no .sjson or .json.gpg). " +
                    "Nothing is read from unverified metadata unless you say so: pass -SkipSignatureCheck.", uri);
            }
            var (updated, contents) = StreamIndexParser.Parse(document, source);
            var name = source.Name ?? StreamIndexParser.CommonLabel(contents) ?? LastSegment(source.Root);
            var status = read.Signer is not null ? StreamSignatureStatus.Verified
                : read.Mode == SignatureMode.None ? StreamSignatureStatus.Unsigned
                : StreamSignatureStatus.Skipped;
            return new MaasStream(name, source, indexPath, uri, updated, read.Mode, status, read.Signer, keyring, contents, bytes);
        }
        throw new StreamNotFoundException(
            $"No stream at '{source.Root}': {string.Join(" or ", candidates)} not found. Check the URL or folder, or the stream name (e.g. stable, candidate).",
            source.Root);
    }

    /// <summary>Fetch, verify (as the index demands) and parse one products document of the stream.</summary>
    internal static async Task<ProductCatalog> ReadCatalogAsync(MaasStream stream, MaasContent content, CancellationToken cancellationToken)
    {
        var bytes = await DocumentFetcher.TryReadAsync(content.Uri, cancellationToken).ConfigureAwait(false)
            ?? throw new DocumentNotFoundException(
                $"'{content.Path}' (content id {content.ContentId}) is listed by the index of stream '{stream.Name}' but was not found at '{content.Uri}'.",
                content.Uri);
        var keyring = stream.Keyring;
        var read = await SignedDocumentReader.ReadAsync(content.Path, content.Uri, bytes, keyring is null ? null : () => keyring,
            stream.SignatureStatus == StreamSignatureStatus.Verified ? stream.Mode : SignatureMode.None, cancellationToken).ConfigureAwait(false);
        // Not disposed: the catalog reads values from the parsed JSON on demand (see ProductCatalog.Parse).
        return ProductCatalog.Parse(read.Document);
    }

    /// <summary>The image versions of one products document that match <paramref name="query"/>.</summary>
    public static async Task<IReadOnlyList<MaasImageVersion>> GetImageVersionsAsync(MaasStream stream, MaasContent content, ImageQuery query,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(query);
        var catalog = await ReadCatalogAsync(stream, content, cancellationToken).ConfigureAwait(false);
        return ImageSelector.Select(stream, catalog, query, content.IndexPosition);
    }

    private static string LastSegment(Uri root)
    {
        var segments = root.AbsolutePath.TrimEnd('/').Split('/');
        return segments.Length > 0 && segments[^1].Length > 0 ? Uri.UnescapeDataString(segments[^1]) : root.Host;
    }
}
