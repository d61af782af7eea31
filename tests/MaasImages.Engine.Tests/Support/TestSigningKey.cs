using System.Text;
using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;

namespace MaasImages.Engine.Tests.Support;

/// <summary>
/// An OpenPGP key made by the test (BouncyCastle), to sign documents the way images.maas.io does:
/// cleartext signatures (.sjson) and armored detached signatures (.json.gpg).
/// </summary>
public sealed class TestSigningKey
{
    private static readonly SecureRandom Random = new();
    private readonly PgpPrivateKey _private;
    private readonly PublicKeyAlgorithmTag _algorithm;

    private readonly PgpPrivateKey _signing;
    private readonly PublicKeyAlgorithmTag _signingAlgorithm;
    private readonly long _signingKeyId;

    private TestSigningKey(PgpPublicKeyRing publicRing, PgpPrivateKey privateKey, PublicKeyAlgorithmTag algorithm, PgpPrivateKey? signingSubkey = null)
    {
        PublicRing = publicRing;
        _private = privateKey;
        _algorithm = algorithm;
        _signing = signingSubkey ?? privateKey;
        _signingAlgorithm = signingSubkey is null ? algorithm : PublicKeyAlgorithmTag.RsaGeneral;
        _signingKeyId = _signing.KeyId;
    }

    public PgpPublicKeyRing PublicRing { get; private set; }
    public PgpPublicKey PublicKey => PublicRing.GetPublicKey();
    public string Fingerprint => Convert.ToHexString(PublicKey.GetFingerprint());
    public string KeyId => PublicKey.KeyId.ToString("X16", System.Globalization.CultureInfo.InvariantCulture);

    public static TestSigningKey Rsa(string userId, DateTime? created = null, long expiresAfterSeconds = 0, int bits = 2048,
        int keyFlags = PgpKeyFlags.CanSign | PgpKeyFlags.CanCertify)
    {
        return Create(PublicKeyAlgorithmTag.RsaGeneral, RsaPair(bits), userId, created, expiresAfterSeconds, keyFlags);
    }

    private static AsymmetricCipherKeyPair RsaPair(int bits)
    {
        var generator = new RsaKeyPairGenerator();
        generator.Init(new RsaKeyGenerationParameters(BigInteger.ValueOf(0x10001), Random, bits, 12));
        return generator.GenerateKeyPair();
    }

    /// <summary>An ECDSA P-256 key: a valid OpenPGP key of an algorithm the README does not promise.</summary>
    public static TestSigningKey Ecdsa(string userId)
    {
        var generator = new ECKeyPairGenerator("ECDSA");
        generator.Init(new ECKeyGenerationParameters(Org.BouncyCastle.Asn1.Sec.SecObjectIdentifiers.SecP256r1, Random));
        return Create(PublicKeyAlgorithmTag.ECDsa, generator.GenerateKeyPair(), userId, null, 0);
    }

    /// <summary>How a test subkey's binding carries its back-signature (primary-key binding signature, 0x19).</summary>
    public enum BackSignature
    {
        /// <summary>Made by the subkey, as RFC 4880 requires of a signing subkey (GnuPG's cross-certification).</summary>
        Valid,
        /// <summary>No back-signature: the subkey never agreed to sign for this primary.</summary>
        None,
        /// <summary>One made by another key than the subkey.</summary>
        ByAnotherKey,
    }

    /// <summary>A DSA key (1024-bit parameters, quick to make): a valid OpenPGP key of an algorithm the README does not promise.</summary>
    public static TestSigningKey Dsa(string userId)
    {
        var parameters = new DsaParametersGenerator();
        parameters.Init(1024, 80, Random);
        var generator = new DsaKeyPairGenerator();
        generator.Init(new DsaKeyGenerationParameters(Random, parameters.GenerateParameters()));
        return Create(PublicKeyAlgorithmTag.Dsa, generator.GenerateKeyPair(), userId, null, 0);
    }

    /// <summary>
    /// An RSA primary key (certify only) with an RSA subkey bound with <paramref name="subkeyFlags"/>;
    /// documents are signed with the subkey, as many real keys do. Both keys are made at
    /// <paramref name="created"/> (default five minutes ago); the binding may set the subkey's
    /// expiry (<paramref name="subkeyExpiresAfterSeconds"/> after creation, 0 for none).
    /// </summary>
    public static TestSigningKey RsaWithSubkey(string userId, int subkeyFlags, BackSignature backSignature = BackSignature.Valid,
        DateTime? created = null, long subkeyExpiresAfterSeconds = 0)
    {
        var at = created ?? DateTime.UtcNow.AddMinutes(-5);
        var primary = new PgpKeyPair(PublicKeyAlgorithmTag.RsaGeneral, RsaPair(2048), at);
        var sub = new PgpKeyPair(PublicKeyAlgorithmTag.RsaGeneral, RsaPair(2048), at);
        var hashed = new PgpSignatureSubpacketGenerator();
        hashed.SetKeyFlags(false, PgpKeyFlags.CanCertify);
        var rings = new PgpKeyRingGenerator(PgpSignature.PositiveCertification, primary, userId, SymmetricKeyAlgorithmTag.Aes256,
            Array.Empty<char>(), true, hashed.Generate(), null, Random);
        var subHashed = new PgpSignatureSubpacketGenerator();
        subHashed.SetKeyFlags(false, subkeyFlags);
        if (subkeyExpiresAfterSeconds > 0) subHashed.SetKeyExpirationTime(false, subkeyExpiresAfterSeconds);
        switch (backSignature)
        {
            case BackSignature.Valid:
                rings.AddSubKey(sub, subHashed.Generate(), null, HashAlgorithmTag.Sha256, HashAlgorithmTag.Sha256);
                break;
            case BackSignature.None:
                rings.AddSubKey(sub, subHashed.Generate(), null, HashAlgorithmTag.Sha256);
                break;
            default:
                var impostor = new PgpKeyPair(PublicKeyAlgorithmTag.RsaGeneral, RsaPair(2048), at);
                var back = new PgpSignatureGenerator(PublicKeyAlgorithmTag.RsaGeneral, HashAlgorithmTag.Sha256);
                back.InitSign(PgpSignature.PrimaryKeyBinding, impostor.PrivateKey);
                subHashed.AddEmbeddedSignature(false, back.GenerateCertification(primary.PublicKey, sub.PublicKey));
                rings.AddSubKey(sub, subHashed.Generate(), null, HashAlgorithmTag.Sha256);
                break;
        }
        var secretRing = rings.GenerateSecretKeyRing();
        var subSecret = secretRing.GetSecretKeys().First(k => k.KeyId != secretRing.GetSecretKey().KeyId);
        return new TestSigningKey(rings.GeneratePublicKeyRing(), secretRing.GetSecretKey().ExtractPrivateKey(Array.Empty<char>()),
            PublicKeyAlgorithmTag.RsaGeneral, subSecret.ExtractPrivateKey(Array.Empty<char>()));
    }

    /// <summary>Id of the key that signs documents (the subkey when there is one).</summary>
    public string SigningKeyId => _signingKeyId.ToString("X16", System.Globalization.CultureInfo.InvariantCulture);

    public static TestSigningKey Ed25519(string userId)
    {
        var generator = new Ed25519KeyPairGenerator();
        generator.Init(new Ed25519KeyGenerationParameters(Random));
        return Create(PublicKeyAlgorithmTag.EdDsa_Legacy, generator.GenerateKeyPair(), userId, null, 0);
    }

    private static TestSigningKey Create(PublicKeyAlgorithmTag algorithm, AsymmetricCipherKeyPair pair, string userId, DateTime? created, long expiresAfterSeconds,
        int keyFlags = PgpKeyFlags.CanSign | PgpKeyFlags.CanCertify)
    {
        var keyPair = new PgpKeyPair(algorithm, pair, created ?? DateTime.UtcNow.AddMinutes(-5));
        var hashed = new PgpSignatureSubpacketGenerator();
        hashed.SetKeyFlags(false, keyFlags);
        if (expiresAfterSeconds > 0) hashed.SetKeyExpirationTime(false, expiresAfterSeconds);
        var rings = new PgpKeyRingGenerator(PgpSignature.PositiveCertification, keyPair, userId, SymmetricKeyAlgorithmTag.Aes256,
            Array.Empty<char>(), true, hashed.Generate(), null, Random);
        var secret = rings.GenerateSecretKeyRing().GetSecretKey();
        return new TestSigningKey(rings.GeneratePublicKeyRing(), secret.ExtractPrivateKey(Array.Empty<char>()), algorithm);
    }

    /// <summary>Adds a key revocation signature to the public key.</summary>
    public void Revoke()
    {
        var generator = new PgpSignatureGenerator(_algorithm, HashAlgorithmTag.Sha256);
        generator.InitSign(PgpSignature.KeyRevocation, _private);
        var revocation = generator.GenerateCertification(PublicKey);
        PublicRing = PgpPublicKeyRing.InsertPublicKey(PublicRing, PgpPublicKey.AddCertification(PublicKey, revocation));
    }

    /// <summary>Writes the public key, armored or binary.</summary>
    public void Export(string path, bool armored = true)
    {
        using var file = File.Create(path);
        if (armored)
        {
            using var armor = new ArmoredOutputStream(file);
            PublicRing.Encode(armor);
        }
        else
        {
            PublicRing.Encode(file);
        }
    }

    /// <summary>A cleartext-signed message (RFC 4880 §7) over <paramref name="text"/>.</summary>
    /// <param name="text">The body.</param>
    /// <param name="hash">Digest to sign with.</param>
    /// <param name="signedBytes">What is actually signed, as a binary signature; default the canonical text (the honest case).</param>
    /// <param name="hashHeader">The armor's Hash header value; default the name of <paramref name="hash"/>, "" for none.</param>
    /// <param name="signatureLifetime">Signature expiration (seconds after <paramref name="signedAt"/>), 0 for none.</param>
    /// <param name="signedAt">Signature creation time; default one second ago.</param>
    public string ClearSign(string text, HashAlgorithmTag hash = HashAlgorithmTag.Sha512, byte[]? signedBytes = null, string? hashHeader = null,
        long signatureLifetime = 0, DateTime? signedAt = null)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        if (lines.Length > 1 && lines[^1].Length == 0) lines = lines[..^1];
        var canonical = Encoding.UTF8.GetBytes(string.Join("\r\n", lines.Select(l => l.TrimEnd(' ', '\t'))));
        // A text signature canonicalises line ends itself; a forged "other line endings" one must be binary.
        var signature = signedBytes is null
            ? Sign(canonical, hash, PgpSignature.CanonicalTextDocument, signatureLifetime, signedAt)
            : Sign(signedBytes, hash, PgpSignature.BinaryDocument, signatureLifetime, signedAt);
        var body = string.Join("\n", lines.Select(l => l.StartsWith('-') ? "- " + l : l));
        var header = hashHeader ?? HashName(hash);
        var headers = header.Length == 0 ? "" : $"Hash: {header}\n";
        return $"-----BEGIN PGP SIGNED MESSAGE-----\n{headers}\n{body}\n{signature}";
    }

    /// <summary>An armored detached signature over the bytes as stored (binary document).</summary>
    /// <param name="type">Signature type; a text signature (<see cref="PgpSignature.CanonicalTextDocument"/>) signs the canonical text.</param>
    public string DetachSign(byte[] content, HashAlgorithmTag hash = HashAlgorithmTag.Sha256, int type = PgpSignature.BinaryDocument) =>
        Sign(type == PgpSignature.CanonicalTextDocument ? CanonicalText(content) : content, hash, type, 0, null);

    private static byte[] CanonicalText(byte[] content) =>
        Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(content).Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal));

    private string Sign(byte[] data, HashAlgorithmTag hash, int type, long lifetime, DateTime? signedAt)
    {
        var generator = new PgpSignatureGenerator(_signingAlgorithm, hash);
        generator.InitSign(type, _signing);
        var subpackets = new PgpSignatureSubpacketGenerator();
        subpackets.SetSignatureCreationTime(false, signedAt ?? DateTime.UtcNow.AddSeconds(-1));
        if (lifetime > 0) subpackets.SetSignatureExpirationTime(false, lifetime);
        subpackets.SetIssuerKeyID(false, _signingKeyId);
        generator.SetHashedSubpackets(subpackets.Generate());
        generator.Update(data);
        using var buffer = new MemoryStream();
        using (var armor = new ArmoredOutputStream(buffer))
        {
            generator.Generate().Encode(armor);
        }
        return Encoding.ASCII.GetString(buffer.ToArray());
    }

    private static string HashName(HashAlgorithmTag hash) => hash switch
    {
        HashAlgorithmTag.Sha256 => "SHA256",
        HashAlgorithmTag.Sha512 => "SHA512",
        HashAlgorithmTag.Sha1 => "SHA1",
        HashAlgorithmTag.MD5 => "MD5",
        _ => hash.ToString().ToUpperInvariant(),
    };
}
