using System.Text;
using MaasImages.Engine.Errors;
using Org.BouncyCastle.Bcpg.OpenPgp;

namespace MaasImages.Engine.Security;

/// <summary>
/// The OpenPGP public keys signatures are checked against: a binary keyring (like
/// ubuntu-cloudimage-keyring.gpg) or armored keys, one or many, as one file.
/// </summary>
public sealed class Keyring
{
    /// <summary>Where MAAS and sstream-mirror keep the Ubuntu cloud-image keyring.</summary>
    public static readonly IReadOnlyList<string> SystemLocations =
    [
        "/usr/share/keyrings/ubuntu-cloudimage-keyring.gpg",
        "/snap/maas/current/usr/share/keyrings/ubuntu-cloudimage-keyring.gpg",
    ];

    public const string EnvironmentVariable = "MAASIMAGES_KEYRING";

    private readonly List<PgpPublicKeyRing> _rings;

    private Keyring(string path, List<PgpPublicKeyRing> rings)
    {
        Path = path;
        _rings = rings;
    }

    /// <summary>The file the keys came from.</summary>
    public string Path { get; }

    /// <summary>Primary key fingerprints (upper-case hex), in file order.</summary>
    public IReadOnlyList<string> Fingerprints => _rings.Select(r => Fingerprint(r.GetPublicKey())).ToList();

    /// <summary>The first user id of each primary key.</summary>
    public IReadOnlyList<string> UserIds => _rings.Select(r => r.GetPublicKey().GetUserIds().FirstOrDefault() ?? string.Empty).ToList();

    /// <summary>
    /// -Keyring if given, else $MAASIMAGES_KEYRING, else the system keyring, else the MAAS snap's
    /// copy; KeyringNotFound (saying where it looked) when none exists.
    /// </summary>
    public static Keyring Resolve(string? explicitPath) => Resolve(explicitPath, Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary><see cref="Resolve(string?)"/> with the value of $MAASIMAGES_KEYRING given (read once by the caller).</summary>
    internal static Keyring Resolve(string? explicitPath, string? fromEnvironment)
    {
        if (!string.IsNullOrEmpty(explicitPath)) return Load(explicitPath);
        if (!string.IsNullOrEmpty(fromEnvironment)) return Load(fromEnvironment);
        foreach (var candidate in SystemLocations)
            if (File.Exists(candidate)) return Load(candidate);
        throw new KeyringNotFoundException(
            $"The stream is signed but no keyring was found. Looked for a keyring given to this command, ${EnvironmentVariable}, {string.Join(" and ", SystemLocations)}. " +
            "On Ubuntu: apt install ubuntu-cloudimage-keyring, or set $env:MAASIMAGES_KEYRING to a binary or armored keyring.", explicitPath)
        {
            Remedy = MaasRemedy.KeyringOrSkipSignatureCheck,
        };
    }

    public static Keyring Load(string path)
    {
        if (!File.Exists(path))
            throw new KeyringNotFoundException($"Keyring '{path}' does not exist.", path) { Remedy = MaasRemedy.KeyringFile };
        var bytes = File.ReadAllBytes(path);
        try
        {
            var rings = new List<PgpPublicKeyRing>();
            var text = LooksArmored(bytes) ? Encoding.ASCII.GetString(bytes) : null;
            if (text is null)
            {
                rings.AddRange(ReadRings(new MemoryStream(bytes)));
            }
            else
            {
                // Several armored blocks may be concatenated (cat a.asc b.asc > keyring.asc).
                const string begin = "-----BEGIN PGP PUBLIC KEY BLOCK-----";
                for (int start = text.IndexOf(begin, StringComparison.Ordinal); start >= 0; start = text.IndexOf(begin, start + begin.Length, StringComparison.Ordinal))
                {
                    var block = Encoding.ASCII.GetBytes(text[start..]);
                    using var armored = new Org.BouncyCastle.Bcpg.ArmoredInputStream(new MemoryStream(block));
                    rings.AddRange(ReadRings(armored));
                }
            }
            if (rings.Count == 0) throw new MalformedDocumentException($"Keyring '{path}' holds no OpenPGP public key.", path);
            return new Keyring(path, rings);
        }
        catch (Exception e) when (e is IOException or PgpException)
        {
            throw new MalformedDocumentException($"Keyring '{path}' is not an OpenPGP public keyring: {e.Message}", path, e);
        }
    }

    private static List<PgpPublicKeyRing> ReadRings(Stream stream)
    {
        var factory = new PgpObjectFactory(stream);
        var rings = new List<PgpPublicKeyRing>();
        for (var o = factory.NextPgpObject(); o is not null; o = factory.NextPgpObject())
            if (o is PgpPublicKeyRing ring) rings.Add(ring);
        return rings;
    }

    private static bool LooksArmored(byte[] bytes) =>
        Encoding.ASCII.GetString(bytes, 0, Math.Min(bytes.Length, 4096)).Contains("-----BEGIN PGP", StringComparison.Ordinal);

    /// <summary>The key with this id (primary or subkey) and the ring it belongs to.</summary>
    internal (PgpPublicKey Key, PgpPublicKeyRing Ring)? Find(long keyId)
    {
        foreach (var ring in _rings)
        {
            var key = ring.GetPublicKey(keyId);
            if (key is not null) return (key, ring);
        }
        return null;
    }

    internal static string Fingerprint(PgpPublicKey key) => Convert.ToHexString(key.GetFingerprint());

    internal static string KeyIdText(long keyId) => keyId.ToString("X16", System.Globalization.CultureInfo.InvariantCulture);
}
