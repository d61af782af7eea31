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
        Func<Keyring>? resolveKeyring = options.SkipSignatureCheck ? null : () => keyring ??= Keyring.Resolve(options.KeyringPath,
            options.EnvironmentKeyring ?? Environment.GetEnvironmentVariable(Keyring.EnvironmentVariable));
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
                    "Nothing is read from unverified metadata unless you say so.", uri)
                {
                    Remedy = MaasRemedy.SkipSignatureCheck,
                };
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
        // The index's form of signature (enforced only when there is a keyring: -SkipSignatureCheck has none).
        var read = await ReadContentDocumentAsync(stream, content.ContentId, content.Path, stream.Mode, allowMissing: false,
            cancellationToken).ConfigureAwait(false);
        // Not disposed: the catalog reads values from the parsed JSON on demand (see ProductCatalog.Parse).
        return ProductCatalog.Parse(read!.Document, DocumentBytes.Of(read));
    }

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

    /// <summary>
    /// One form of the stream's metadata — an index (<paramref name="indexPath"/>) and every products
    /// document it names — each verified like the stream itself (a cleartext signature for
    /// <c>.sjson</c>, a detached one for <c>.json</c>, when the stream was verified) and bound to its
    /// content id. The index must list the stream's content ids. <paramref name="known"/> gives
    /// documents already read and checked (by path), so they are not fetched twice. Null when the
    /// form's index does not exist; documents it names that do not exist are left out.
    /// </summary>
    internal static async Task<List<DocumentBytes>?> ReadFormAsync(MaasStream stream, string indexPath, Func<string, DocumentBytes?> known,
        CancellationToken cancellationToken)
    {
        var form = indexPath.EndsWith(".sjson", StringComparison.Ordinal) ? SignatureMode.ClearSigned : SignatureMode.Detached;
        // Without a keyring (-SkipSignatureCheck) nothing is enforced, but the .json.gpg beside a
        // .json is still fetched and kept, so the mirror holds what upstream offers.
        var required = form;
        var documents = new List<DocumentBytes>();
        IReadOnlyList<MaasContent> contents;
        if (indexPath == stream.IndexPath)
        {
            documents.Add(stream.IndexDocument);
            contents = stream.Contents;
        }
        else
        {
            var uri = stream.Source.Resolve(indexPath);
            var bytes = await DocumentFetcher.TryReadAsync(uri, cancellationToken).ConfigureAwait(false);
            if (bytes is null) return null;
            var keyring = stream.Keyring;
            var read = await SignedDocumentReader.ReadAsync(indexPath, uri, bytes, keyring is null ? null : () => keyring, required, cancellationToken)
                .ConfigureAwait(false);
            using (read.Document)
            {
                contents = StreamIndexParser.Parse(read.Document, stream.Source).Contents;
                documents.Add(DocumentBytes.Of(read));
            }
            var expected = stream.ContentIds.Order(StringComparer.Ordinal);
            if (!contents.Select(c => c.ContentId).Order(StringComparer.Ordinal).SequenceEqual(expected, StringComparer.Ordinal))
            {
                throw new MalformedDocumentException(
                    $"'{indexPath}' lists other content ids ({string.Join(", ", contents.Select(c => c.ContentId))}) than '{stream.IndexPath}' ({string.Join(", ", stream.ContentIds)}).",
                    indexPath);
            }
        }
        foreach (var content in contents)
        {
            if (known(content.Path) is { } already && (form == SignatureMode.ClearSigned || already.DetachedSignature is not null || stream.Mode == SignatureMode.None))
            {
                documents.Add(already);
                continue;
            }
            var read = await ReadContentDocumentAsync(stream, content.ContentId, content.Path, required, allowMissing: true, cancellationToken)
                .ConfigureAwait(false);
            if (read is null) continue;
            using (read.Document) documents.Add(DocumentBytes.Of(read));
        }
        return documents;
    }

    /// <summary>The image versions of one products document that match <paramref name="query"/>.</summary>
    public static Task<IReadOnlyList<MaasImageVersion>> GetImageVersionsAsync(MaasStream stream, MaasContent content, ImageQuery query,
        CancellationToken cancellationToken) =>
        GetImageVersionsAsync(stream, content, query, typos: null, cancellationToken);

    /// <summary>The same, also showing <paramref name="typos"/> every value the document's products have (see <see cref="ImageCriteria"/>).</summary>
    public static async Task<IReadOnlyList<MaasImageVersion>> GetImageVersionsAsync(MaasStream stream, MaasContent content, ImageQuery query,
        UnmatchedValueFinder? typos, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(query);
        var catalog = await ReadCatalogAsync(stream, content, cancellationToken).ConfigureAwait(false);
        if (typos is not null) ImageCriteria.Observe(typos, catalog);
        return ImageSelector.Select(stream, catalog, query, content.IndexPosition);
    }

    private static string LastSegment(Uri root)
    {
        var segments = root.AbsolutePath.TrimEnd('/').Split('/');
        return segments.Length > 0 && segments[^1].Length > 0 ? Uri.UnescapeDataString(segments[^1]) : root.Host;
    }
}
