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
/// and detached <c>.json.gpg</c> over the bytes as stored. Policy (README "Signatures and
/// keyrings"): exactly one signature, SHA-2 digests only, and for cleartext the <c>Hash:</c> header
/// must name the digest the signature uses; the key is RSA of 2048 bits or more or EdDSA, in the
/// keyring, not expired, not revoked, and a subkey must be bound to its primary with the signing
/// flag and a back-signature (cross-certified), its expiry read from that binding; the signature
/// itself must not have expired.
/// </summary>
public static class SignatureVerifier
{
    /// <summary>The smallest RSA modulus accepted, in bits.</summary>
    public const int MinimumRsaBits = 2048;

    public static SignerInfo VerifyClearSigned(ClearSignedMessage message, Keyring keyring, string document)
    {
        ArgumentNullException.ThrowIfNull(message);
        var signature = ReadSignature(message.SignatureArmor, document);
        var keyId = Keyring.KeyIdText(signature.KeyId);
        if (signature.SignatureType != PgpSignature.CanonicalTextDocument)
            throw new SignatureInvalidException(document, keyId,
                "a cleartext-signed document needs a text signature over its canonical lines (CRLF), but this one signs raw bytes.");
        RequireStrongHash(signature, document);
        // RFC 4880 §7: no Hash header means MD5; a header naming another digest than the signature's
        // is a message that does not say what it is.
        var used = HashName(signature.HashAlgorithm);
        if (message.Hashes.Count == 0)
            throw new SignatureInvalidException(document, keyId, $"the armor has no 'Hash:' header (that means MD5), but the signature uses {used}.");
        var other = message.Hashes.FirstOrDefault(h => !h.Equals(used, StringComparison.OrdinalIgnoreCase));
        if (other is not null)
            throw new SignatureInvalidException(document, keyId, $"the armor header says 'Hash: {string.Join(", ", message.Hashes)}' but the signature uses {used}.");
        // The canonical text is streamed into the hash: never built whole (documents can be hundreds of MB).
        return Verify(signature, message.WriteCanonicalText, keyring, document);
    }

    /// <summary>A detached signature (armored or binary) over <paramref name="content"/> exactly as stored.</summary>
    public static SignerInfo VerifyDetached(byte[] content, byte[] detachedSignature, Keyring keyring, string document)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(detachedSignature);
        RequireOnlyTheArmorBlock(detachedSignature, document);
        var signature = ReadSignature(detachedSignature, document);
        // A text signature would hold for other line endings than the bytes a mirror serves.
        if (signature.SignatureType != PgpSignature.BinaryDocument)
            throw new SignatureInvalidException(document, Keyring.KeyIdText(signature.KeyId),
                $"a detached signature must sign the document's bytes (binary signature), but this one is of type 0x{signature.SignatureType:x2}.");
        RequireStrongHash(signature, document);
        return Verify(signature, sink => sink(content, 0, content.Length), keyring, document);
    }

    /// <summary>An armored .gpg holds one signature block and nothing else (no text before or after it).</summary>
    private static void RequireOnlyTheArmorBlock(byte[] data, string document)
    {
        var text = Encoding.ASCII.GetString(data);
        var begin = text.IndexOf("-----BEGIN PGP", StringComparison.Ordinal);
        if (begin < 0) return; // binary signature packets
        var end = text.IndexOf(ClearSignedMessage.EndSignature, begin, StringComparison.Ordinal);
        if (text[..begin].Trim().Length != 0 || (end >= 0 && text[(end + ClearSignedMessage.EndSignature.Length)..].Trim().Length != 0))
            throw new SignatureInvalidException(document, null, "the signature file holds text before or after its armored block.");
    }

    private static void RequireStrongHash(PgpSignature signature, string document)
    {
        if (signature.HashAlgorithm is not (HashAlgorithmTag.Sha256 or HashAlgorithmTag.Sha384 or HashAlgorithmTag.Sha512 or HashAlgorithmTag.Sha224))
            throw new SignatureInvalidException(document, Keyring.KeyIdText(signature.KeyId),
                $"hash algorithm {HashName(signature.HashAlgorithm)} is not accepted (SHA-2 only; MD5 and SHA-1 are broken).");
    }

    /// <summary>The name a cleartext <c>Hash:</c> header uses for a digest (RFC 4880 §9.4).</summary>
    internal static string HashName(HashAlgorithmTag hash) => hash switch
    {
        HashAlgorithmTag.MD5 => "MD5",
        HashAlgorithmTag.Sha1 => "SHA1",
        HashAlgorithmTag.RipeMD160 => "RIPEMD160",
        HashAlgorithmTag.Sha224 => "SHA224",
        HashAlgorithmTag.Sha256 => "SHA256",
        HashAlgorithmTag.Sha384 => "SHA384",
        HashAlgorithmTag.Sha512 => "SHA512",
        _ => hash.ToString().ToUpperInvariant(),
    };

    private static SignerInfo Verify(PgpSignature signature, Action<SignedTextSink> signed, Keyring keyring, string document)
    {
        var keyId = Keyring.KeyIdText(signature.KeyId);
        var found = keyring.Find(signature.KeyId)
            ?? throw new SignatureInvalidException(document, keyId, $"the signing key is not in the keyring '{keyring.Path}'.");
        var (key, ring) = found;
        var primary = ring.GetPublicKey();
        RequireAcceptedAlgorithm(key, document, keyId);
        if (key.KeyId != primary.KeyId) RequireSigningSubkey(key, primary, signature, document, keyId);
        else RequireSigningFlag(primary, document, keyId);
        foreach (var k in new[] { key, primary }.Distinct())
            if (k.HasRevocation()) throw new SignatureInvalidException(document, keyId, $"key {Keyring.Fingerprint(k)} is revoked.");
        RequireUnexpired(primary, primary.GetValidSeconds(), signature, document, keyId);
        var signatureLifetime = signature.GetHashedSubPackets()?.GetSignatureExpirationTime() ?? 0;
        if (signatureLifetime > 0)
        {
            var signatureExpires = signature.CreationTime.AddSeconds(signatureLifetime);
            if (signatureExpires < DateTime.UtcNow)
                throw new SignatureInvalidException(document, keyId, $"the signature (made {signature.CreationTime:u}) expired on {signatureExpires:u}.");
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

    /// <summary>RSA of <see cref="MinimumRsaBits"/> or more, or EdDSA: what the README promises, nothing weaker or less reviewed.</summary>
    private static void RequireAcceptedAlgorithm(PgpPublicKey key, string document, string keyId)
    {
        switch (key.Algorithm)
        {
            case PublicKeyAlgorithmTag.RsaGeneral or PublicKeyAlgorithmTag.RsaSign:
                if (key.BitStrength < MinimumRsaBits)
                    throw new SignatureInvalidException(document, keyId,
                        $"the signing key is RSA of {key.BitStrength} bits; at least {MinimumRsaBits} bits are required.");
                return;
            case PublicKeyAlgorithmTag.EdDsa_Legacy or PublicKeyAlgorithmTag.Ed25519 or PublicKeyAlgorithmTag.Ed448:
                return;
            default:
                throw new SignatureInvalidException(document, keyId,
                    $"the signing key uses {key.Algorithm}; only RSA ({MinimumRsaBits} bits or more) and EdDSA keys are accepted.");
        }
    }

    /// <summary>
    /// A subkey signs for its primary only through the newest binding signature (0x18) the primary
    /// really made for it. That binding must carry the signing flag (an encryption subkey must not
    /// sign) and a valid back-signature: an embedded primary-key binding signature (0x19) made by
    /// the subkey over the same primary and subkey (RFC 4880 §5.2.1), without which anyone could
    /// bind another's signing subkey to their own primary. The binding's key expiration time is the
    /// subkey's.
    /// </summary>
    private static void RequireSigningSubkey(PgpPublicKey subkey, PgpPublicKey primary, PgpSignature signature, string document, string keyId)
    {
        PgpSignature? binding = null;
        foreach (var candidate in subkey.GetSignaturesOfType(PgpSignature.SubkeyBinding).OfType<PgpSignature>())
        {
            if (binding is not null && candidate.CreationTime <= binding.CreationTime) continue;
            if (Verifies(candidate, primary, () => candidate.VerifyCertification(primary, subkey))) binding = candidate;
        }
        if (binding is null)
            throw new SignatureInvalidException(document, keyId, $"the signing subkey has no valid binding signature from its primary key {Keyring.Fingerprint(primary)}.");
        var hashed = binding.GetHashedSubPackets();
        if (((hashed?.GetKeyFlags() ?? 0) & PgpKeyFlags.CanSign) == 0)
            throw new SignatureInvalidException(document, keyId,
                $"the signing subkey is not marked for signing by its primary key {Keyring.Fingerprint(primary)} (key flags without 'sign').");
        if (!HasBackSignature(binding, primary, subkey))
            throw new SignatureInvalidException(document, keyId,
                $"the signing subkey is not cross-certified: its binding to primary key {Keyring.Fingerprint(primary)} has no valid back-signature " +
                "(a primary-key binding signature made by the subkey), so the subkey never agreed to sign for that primary.");
        RequireUnexpired(subkey, hashed?.GetKeyExpirationTime() ?? 0, signature, document, keyId);
    }

    /// <summary>A primary-key binding signature (0x19) by <paramref name="subkey"/>, embedded in its binding (hashed or not: it is verified itself).</summary>
    private static bool HasBackSignature(PgpSignature binding, PgpPublicKey primary, PgpPublicKey subkey)
    {
        foreach (var area in new[] { binding.GetHashedSubPackets(), binding.GetUnhashedSubPackets() })
        {
            PgpSignatureList embedded;
            try
            {
                if (area is null) continue;
                embedded = area.GetEmbeddedSignatures();
            }
            catch (Exception e) when (e is PgpException or IOException)
            {
                continue;
            }
            for (var i = 0; i < embedded.Count; i++)
            {
                var back = embedded[i];
                if (back.SignatureType == PgpSignature.PrimaryKeyBinding && Verifies(back, subkey, () => back.VerifyCertification(primary, subkey)))
                    return true;
            }
        }
        return false;
    }

    /// <summary>True when <paramref name="certification"/> checks out with <paramref name="signer"/>; a malformed one is false.</summary>
    private static bool Verifies(PgpSignature certification, PgpPublicKey signer, Func<bool> verify)
    {
        try
        {
            certification.InitVerify(signer);
            return verify();
        }
        catch (Exception e) when (e is PgpException or ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>A key <paramref name="validSeconds"/> after its creation (0: never) is expired now, and must not have been when it signed.</summary>
    private static void RequireUnexpired(PgpPublicKey key, long validSeconds, PgpSignature signature, string document, string keyId)
    {
        if (validSeconds <= 0) return;
        var expires = key.CreationTime.AddSeconds(validSeconds);
        if (expires < DateTime.UtcNow || expires < signature.CreationTime)
            throw new SignatureInvalidException(document, keyId, $"key {Keyring.Fingerprint(key)} expired on {expires:u}.");
    }

    /// <summary>A primary key whose self-signature lists key flags must list 'sign' to sign documents.</summary>
    private static void RequireSigningFlag(PgpPublicKey primary, string document, string keyId)
    {
        int? flags = null;
        foreach (var certification in primary.GetSignatures().OfType<PgpSignature>())
        {
            if (certification.KeyId != primary.KeyId || !certification.HasSubpackets) continue;
            var hashed = certification.GetHashedSubPackets();
            if (hashed is null || !hashed.HasSubpacket(SignatureSubpacketTag.KeyFlags)) continue;
            flags = (flags ?? 0) | hashed.GetKeyFlags();
        }
        if (flags is int f && (f & PgpKeyFlags.CanSign) == 0)
            throw new SignatureInvalidException(document, keyId, "the key's self-signature does not allow signing (key flags without 'sign').");
    }

    private static bool VerifyWithBouncyCastle(PgpSignature signature, PgpPublicKey key, Action<SignedTextSink> signed)
    {
        signature.InitVerify(key);
        signed(signature.Update);
        return signature.Verify();
    }

    /// <summary>
    /// RSA through the platform's crypto (OpenSSL, CNG): BouncyCastle re-validates the modulus with
    /// Miller-Rabin tests on every InitVerify (~70 ms per document for a 3072-bit key), which a
    /// listing pays several times. The hash is the OpenPGP v4 one: content, then the signature
    /// trailer. Null when the hash has no platform equivalent (BouncyCastle then checks).
    /// </summary>
    private static bool? TryVerifyRsa(PgpSignature signature, PgpPublicKey key, Action<SignedTextSink> signed)
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
        signed(hash.AppendData);
        hash.AppendData(signature.GetSignatureTrailer());
        var value = signature.GetSignature();
        if (value.Length > modulus.Length) return false;
        var padded = new byte[modulus.Length]; // the MPI drops leading zero bytes
        value.CopyTo(padded, modulus.Length - value.Length);
        return rsa.VerifyHash(hash.GetHashAndReset(), padded, name, RSASignaturePadding.Pkcs1);
    }

    private static PgpSignature ReadSignature(string armor, string document) => ReadSignature(Encoding.ASCII.GetBytes(armor), document);

    /// <summary>Exactly one signature packet: a block holding several, or anything else, is refused.</summary>
    private static PgpSignature ReadSignature(byte[] data, string document)
    {
        var signatures = new List<PgpSignature>();
        try
        {
            using var decoded = PgpUtilities.GetDecoderStream(new MemoryStream(data));
            var factory = new PgpObjectFactory(decoded);
            for (var o = factory.NextPgpObject(); o is not null; o = factory.NextPgpObject())
            {
                if (o is PgpSignatureList list) signatures.AddRange(Enumerable.Range(0, list.Count).Select(i => list[i]));
                else throw new SignatureInvalidException(document, null, $"the signature block holds a {o.GetType().Name}, not only a signature.");
            }
        }
        catch (Exception e) when (e is IOException or PgpException or ArgumentException)
        {
            throw new SignatureInvalidException(document, null, $"the signature block cannot be read ({e.Message}).", e);
        }
        return signatures.Count switch
        {
            0 => throw new SignatureInvalidException(document, null, "no signature packet found."),
            1 => signatures[0],
            _ => throw new SignatureInvalidException(document, null, $"the signature block holds {signatures.Count} signatures; exactly one is expected."),
        };
    }
}
