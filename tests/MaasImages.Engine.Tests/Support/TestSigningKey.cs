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

    private TestSigningKey(PgpPublicKeyRing publicRing, PgpPrivateKey privateKey, PublicKeyAlgorithmTag algorithm)
    {
        PublicRing = publicRing;
        _private = privateKey;
        _algorithm = algorithm;
    }

    public PgpPublicKeyRing PublicRing { get; private set; }
    public PgpPublicKey PublicKey => PublicRing.GetPublicKey();
    public string Fingerprint => Convert.ToHexString(PublicKey.GetFingerprint());
    public string KeyId => PublicKey.KeyId.ToString("X16", System.Globalization.CultureInfo.InvariantCulture);

    public static TestSigningKey Rsa(string userId, DateTime? created = null, long expiresAfterSeconds = 0)
    {
        var generator = new RsaKeyPairGenerator();
        generator.Init(new RsaKeyGenerationParameters(BigInteger.ValueOf(0x10001), Random, 2048, 12));
        return Create(PublicKeyAlgorithmTag.RsaGeneral, generator.GenerateKeyPair(), userId, created, expiresAfterSeconds);
    }

    public static TestSigningKey Ed25519(string userId)
    {
        var generator = new Ed25519KeyPairGenerator();
        generator.Init(new Ed25519KeyGenerationParameters(Random));
        return Create(PublicKeyAlgorithmTag.EdDsa_Legacy, generator.GenerateKeyPair(), userId, null, 0);
    }

    private static TestSigningKey Create(PublicKeyAlgorithmTag algorithm, AsymmetricCipherKeyPair pair, string userId, DateTime? created, long expiresAfterSeconds)
    {
        var keyPair = new PgpKeyPair(algorithm, pair, created ?? DateTime.UtcNow.AddMinutes(-5));
        var hashed = new PgpSignatureSubpacketGenerator();
        hashed.SetKeyFlags(false, PgpKeyFlags.CanSign | PgpKeyFlags.CanCertify);
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
    public string ClearSign(string text, HashAlgorithmTag hash = HashAlgorithmTag.Sha512, byte[]? signedBytes = null)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        if (lines.Length > 1 && lines[^1].Length == 0) lines = lines[..^1];
        var canonical = Encoding.UTF8.GetBytes(string.Join("\r\n", lines.Select(l => l.TrimEnd(' ', '\t'))));
        // A text signature canonicalises line ends itself; a forged "other line endings" one must be binary.
        var signature = signedBytes is null
            ? Sign(canonical, hash, PgpSignature.CanonicalTextDocument)
            : Sign(signedBytes, hash, PgpSignature.BinaryDocument);
        var body = string.Join("\n", lines.Select(l => l.StartsWith('-') ? "- " + l : l));
        return $"-----BEGIN PGP SIGNED MESSAGE-----\nHash: {HashName(hash)}\n\n{body}\n{signature}";
    }

    /// <summary>An armored detached signature over the bytes as stored (binary document).</summary>
    public string DetachSign(byte[] content, HashAlgorithmTag hash = HashAlgorithmTag.Sha256) => Sign(content, hash, PgpSignature.BinaryDocument);

    private string Sign(byte[] data, HashAlgorithmTag hash, int type)
    {
        var generator = new PgpSignatureGenerator(_algorithm, hash);
        generator.InitSign(type, _private);
        var subpackets = new PgpSignatureSubpacketGenerator();
        subpackets.SetSignatureCreationTime(false, DateTime.UtcNow.AddSeconds(-1));
        subpackets.SetIssuerKeyID(false, PublicKey.KeyId);
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
        _ => hash.ToString().ToUpperInvariant(),
    };
}
