using MaasImages.Engine.Errors;
using MaasImages.Engine.Security;

namespace MaasImages.Engine.Streams;

/// <summary>How a stream's documents are signed.</summary>
internal enum SignatureMode
{
    None,
    /// <summary>OpenPGP cleartext (.sjson).</summary>
    ClearSigned,
    /// <summary>Detached armored signature beside the document (X.json.gpg).</summary>
    Detached,
}

/// <summary>
/// A document as read under a signature policy: parsed, who signed it if that was checked, and the
/// detached signature exactly as checked (mirrors write these bytes, never a second fetch).
/// </summary>
internal sealed record CheckedDocument(MetadataDocument Document, SignatureMode Mode, SignerInfo? Signer, byte[]? DetachedSignature = null);

/// <summary>
/// Reads metadata documents under the stream's signature policy: a signature is verified before
/// the body is used; a signed index makes every products document it names signed-required.
/// </summary>
internal static class SignedDocumentReader
{
    /// <summary>
    /// Reads a document. <paramref name="keyring"/> null means "do not verify" (-SkipSignatureCheck);
    /// <paramref name="resolveKeyring"/> gives the keyring only once a signature is found, so an
    /// unsigned stream never needs one. <paramref name="required"/> demands this mode of signature.
    /// </summary>
    public static async Task<CheckedDocument> ReadAsync(string name, Uri uri, byte[] raw, Func<Keyring>? resolveKeyring,
        SignatureMode required, CancellationToken cancellationToken)
    {
        var read = await ReadUncheckedKeysAsync(name, uri, raw, resolveKeyring, required, cancellationToken).ConfigureAwait(false);
        try
        {
            read.Document.EnsureNoDuplicateKeys();
        }
        catch
        {
            read.Document.Dispose();
            throw;
        }
        return read;
    }

    private static async Task<CheckedDocument> ReadUncheckedKeysAsync(string name, Uri uri, byte[] raw, Func<Keyring>? resolveKeyring,
        SignatureMode required, CancellationToken cancellationToken)
    {
        if (!ClearSignedMessage.LooksSigned(raw) && ClearSignedMessage.ContainsSignedMessage(raw))
            throw new SignatureInvalidException(name, null,
                "there is text before '-----BEGIN PGP SIGNED MESSAGE-----': only the signed part may be in the document.");
        if (ClearSignedMessage.LooksSigned(raw))
        {
            if (resolveKeyring is null) return new CheckedDocument(MetadataDocument.Parse(name, uri, raw), SignatureMode.ClearSigned, null);
            var keyring = resolveKeyring();
            SignerInfo? signer = null;
            var document = ParseSigned(name, () => MetadataDocument.Parse(name, uri, raw, m => signer = SignatureVerifier.VerifyClearSigned(m, keyring, name)));
            return new CheckedDocument(document, SignatureMode.ClearSigned, signer);
        }

        if (required == SignatureMode.ClearSigned && resolveKeyring is not null)
            throw new SignatureInvalidException(name, null, "the stream's index is signed, so this document must be too, but it carries no signature.");

        // Detached: X.json beside X.json.gpg (only looked for when it matters).
        byte[]? detached = null;
        if (name.EndsWith(".json", StringComparison.Ordinal) && (resolveKeyring is not null || required != SignatureMode.None || IsIndex(name)))
            detached = await DocumentFetcher.TryReadAsync(new Uri(uri.AbsoluteUri + ".gpg"), cancellationToken).ConfigureAwait(false);
        if (detached is null)
        {
            if (required != SignatureMode.None && resolveKeyring is not null)
                throw new SignatureInvalidException(name, null, $"the stream's index is signed, so this document must be too, but '{name}.gpg' is missing.");
            return new CheckedDocument(ParsePlain(name, uri, raw), SignatureMode.None, null);
        }
        if (resolveKeyring is null) return new CheckedDocument(ParsePlain(name, uri, raw), SignatureMode.Detached, null, detached);
        var signerInfo = SignatureVerifier.VerifyDetached(raw, detached, resolveKeyring(), name + ".gpg");
        var parsed = ParseSigned(name, () => MetadataDocument.Parse(name, uri, raw));
        return new CheckedDocument(parsed, SignatureMode.Detached, signerInfo, detached);
    }

    private static bool IsIndex(string name) => name.EndsWith("index.json", StringComparison.Ordinal);

    private static MetadataDocument ParsePlain(string name, Uri uri, byte[] raw) => MetadataDocument.Parse(name, uri, raw);

    /// <summary>A signed document whose armor or body cannot be read is a bad signature, not merely bad JSON.</summary>
    private static MetadataDocument ParseSigned(string name, Func<MetadataDocument> parse)
    {
        try
        {
            return parse();
        }
        catch (MalformedDocumentException e)
        {
            throw new SignatureInvalidException(name, null, $"the signed document cannot be read: {e.Message}", e);
        }
    }
}
