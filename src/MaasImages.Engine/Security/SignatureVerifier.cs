using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;

namespace MaasImages.Engine.Security;

/// <summary>Who signed a document, once the signature checked out.</summary>
public sealed record SignerInfo(string KeyId, string Fingerprint, string UserId, DateTime SignedAt);

/// <summary>
/// Checks OpenPGP signatures (BouncyCastle): cleartext-signed <c>.sjson</c> over the canonical
/// text (RFC 4880 §7: trailing spaces and tabs dropped, CRLF line ends, none after the last line)
/// and detached <c>.json.gpg</c>. The signing key must be in the keyring, not expired and not revoked.
/// </summary>
public static class SignatureVerifier
{
    public static SignerInfo VerifyClearSigned(ClearSignedMessage message, Keyring keyring, string document)
    {
        ArgumentNullException.ThrowIfNull(message);
        var signature = ReadSignature(message.SignatureArmor, document);
        if (signature.SignatureType != PgpSignature.CanonicalTextDocument)
            throw new SignatureInvalidException(document, Keyring.KeyIdText(signature.KeyId),
                "a cleartext-signed document needs a text signature over its canonical lines (CRLF), but this one signs raw bytes.");
        var canonical = string.Join("\r\n", message.BodyLines.Select(l => l.TrimEnd(' ', '\t')));
        return Verify(signature, Encoding.UTF8.GetBytes(canonical), keyring, document);
    }

    /// <summary>A detached signature (armored or binary) over <paramref name="content"/> as stored.</summary>
    public static SignerInfo VerifyDetached(byte[] content, byte[] detachedSignature, Keyring keyring, string document)
    {
        ArgumentNullException.ThrowIfNull(content);
        var signature = ReadSignature(detachedSignature, document);
        var signed = signature.SignatureType == PgpSignature.CanonicalTextDocument ? CanonicalText(content) : content;
        return Verify(signature, signed, keyring, document);
    }

    private static SignerInfo Verify(PgpSignature signature, byte[] signed, Keyring keyring, string document)
    {
        var keyId = Keyring.KeyIdText(signature.KeyId);
        if (signature.HashAlgorithm is not (HashAlgorithmTag.Sha256 or HashAlgorithmTag.Sha384 or HashAlgorithmTag.Sha512 or HashAlgorithmTag.Sha224))
            throw new SignatureInvalidException(document, keyId, $"hash algorithm {signature.HashAlgorithm} is not accepted (SHA-2 only).");
        var found = keyring.Find(signature.KeyId)
            ?? throw new SignatureInvalidException(document, keyId, $"the signing key is not in the keyring '{keyring.Path}'.");
        var (key, ring) = found;
        var primary = ring.GetPublicKey();
        foreach (var k in new[] { key, primary }.Distinct())
        {
            if (k.HasRevocation()) throw new SignatureInvalidException(document, keyId, $"key {Keyring.Fingerprint(k)} is revoked.");
            var validSeconds = k.GetValidSeconds();
            if (validSeconds > 0)
            {
                var expires = k.CreationTime.AddSeconds(validSeconds);
                if (expires < DateTime.UtcNow || expires < signature.CreationTime)
                    throw new SignatureInvalidException(document, keyId, $"key {Keyring.Fingerprint(k)} expired on {expires:u}.");
            }
        }
        try
        {
            if (!(TryVerifyRsa(signature, key, signed) ?? VerifyWithBouncyCastle(signature, key, signed)))
                throw new SignatureInvalidException(document, keyId, "the signature does not match the content (changed or damaged).");
        }
        catch (PgpException e)
        {
            throw new SignatureInvalidException(document, keyId, $"the signature cannot be checked: {e.Message}", e);
        }
        return new SignerInfo(keyId, Keyring.Fingerprint(primary), primary.GetUserIds().FirstOrDefault() ?? string.Empty, signature.CreationTime);
    }

    private static bool VerifyWithBouncyCastle(PgpSignature signature, PgpPublicKey key, byte[] signed)
    {
        signature.InitVerify(key);
        signature.Update(signed);
        return signature.Verify();
    }

    /// <summary>
    /// RSA through the platform's crypto (OpenSSL, CNG): BouncyCastle re-validates the modulus with
    /// Miller-Rabin tests on every InitVerify (~70 ms per document for a 3072-bit key), which a
    /// listing pays several times. The hash is the OpenPGP v4 one: content, then the signature
    /// trailer. Null when the hash has no platform equivalent (BouncyCastle then checks).
    /// </summary>
    private static bool? TryVerifyRsa(PgpSignature signature, PgpPublicKey key, byte[] signed)
    {
        if (key.PublicKeyPacket.Key is not RsaPublicBcpgKey rsaKey) return null;
        HashAlgorithmName? hashName = signature.HashAlgorithm switch
        {
            HashAlgorithmTag.Sha256 => HashAlgorithmName.SHA256,
            HashAlgorithmTag.Sha384 => HashAlgorithmName.SHA384,
            HashAlgorithmTag.Sha512 => HashAlgorithmName.SHA512,
            _ => null,
        };
        if (hashName is not { } name) return null;
        var modulus = rsaKey.Modulus.ToByteArrayUnsigned();
        using var rsa = RSA.Create(new RSAParameters { Modulus = modulus, Exponent = rsaKey.PublicExponent.ToByteArrayUnsigned() });
        using var hash = IncrementalHash.CreateHash(name);
        hash.AppendData(signed);
        hash.AppendData(signature.GetSignatureTrailer());
        var value = signature.GetSignature();
        if (value.Length > modulus.Length) return false;
        var padded = new byte[modulus.Length]; // the MPI drops leading zero bytes
        value.CopyTo(padded, modulus.Length - value.Length);
        return rsa.VerifyHash(hash.GetHashAndReset(), padded, name, RSASignaturePadding.Pkcs1);
    }

    private static PgpSignature ReadSignature(string armor, string document) => ReadSignature(Encoding.ASCII.GetBytes(armor), document);

    private static PgpSignature ReadSignature(byte[] data, string document)
    {
        try
        {
            using var decoded = PgpUtilities.GetDecoderStream(new MemoryStream(data));
            var factory = new PgpObjectFactory(decoded);
            for (var o = factory.NextPgpObject(); o is not null; o = factory.NextPgpObject())
            {
                if (o is PgpSignatureList list && list.Count > 0) return list[0];
            }
        }
        catch (Exception e) when (e is IOException or PgpException or ArgumentException)
        {
            throw new SignatureInvalidException(document, null, $"the signature block cannot be read ({e.Message}).", e);
        }
        throw new SignatureInvalidException(document, null, "no signature packet found.");
    }

    /// <summary>Text-mode signatures hash CRLF line ends and no trailing whitespace rule (RFC 4880 §5.2.1).</summary>
    private static byte[] CanonicalText(byte[] content)
    {
        var text = Encoding.UTF8.GetString(content).Replace("\r\n", "\n", StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(text.Replace("\n", "\r\n", StringComparison.Ordinal));
    }
}
