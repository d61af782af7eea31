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
            return new MaasStream(name, source, indexPath, uri, updated, read.Mode, status, read.Signer, keyring, contents, bytes, read.DetachedSignature);
        }
        throw new StreamNotFoundException(
            $"No stream at '{source.Root}': {string.Join(" or ", candidates)} not found. Check the URL or folder, or the stream name (e.g. stable, candidate).",
            source.Root);
    }

    /// <summary>Fetch, verify (as the index demands) and parse one products document of the stream.</summary>
    internal static async Task<ProductCatalog> ReadCatalogAsync(MaasStream stream, MaasContent content, CancellationToken cancellationToken)
    {
        var read = await ReadContentDocumentAsync(stream, content.ContentId, content.Path, RequiredMode(stream, stream.Mode), allowMissing: false,
            cancellationToken).ConfigureAwait(false);
        // Not disposed: the catalog reads values from the parsed JSON on demand (see ProductCatalog.Parse).
        return ProductCatalog.Parse(read!.Document, DocumentBytes.Of(read));
    }

    /// <summary>What a document of this stream must carry: the index's form of signature when the index was verified.</summary>
    internal static SignatureMode RequiredMode(MaasStream stream, SignatureMode form) =>
        stream.SignatureStatus == StreamSignatureStatus.Verified ? form : SignatureMode.None;

    /// <summary>
    /// Fetch and verify one form of the products document the index names for
    /// <paramref name="contentId"/>, and bind it to that entry: its <c>content_id</c> must be the
    /// same, or a genuinely signed document of another stream could stand in for it. Null when the
    /// document does not exist and <paramref name="allowMissing"/>.
    /// </summary>
    internal static async Task<CheckedDocument?> ReadContentDocumentAsync(MaasStream stream, string contentId, string path, SignatureMode required,
        bool allowMissing, CancellationToken cancellationToken)
    {
        var uri = stream.Source.Resolve(path);
        var bytes = await DocumentFetcher.TryReadAsync(uri, cancellationToken).ConfigureAwait(false);
        if (bytes is null)
        {
            if (allowMissing) return null;
            throw new DocumentNotFoundException(
                $"'{path}' (content id {contentId}) is listed by the index of stream '{stream.Name}' but was not found at '{uri}'.", uri);
        }
        var keyring = stream.Keyring;
        var read = await SignedDocumentReader.ReadAsync(path, uri, bytes, keyring is null ? null : () => keyring, required, cancellationToken)
            .ConfigureAwait(false);
        var actual = read.Document.TopString("content_id");
        if (!string.Equals(actual, contentId, StringComparison.Ordinal))
        {
            read.Document.Dispose();
            throw new ContentIdMismatchException(path, contentId, actual, stream.Name);
        }
        return read;
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
