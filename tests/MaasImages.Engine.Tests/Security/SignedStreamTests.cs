using System.Text;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Security;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Tests.Support;
using Org.BouncyCastle.Bcpg;

namespace MaasImages.Engine.Tests.Security;

/// <summary>
/// Signed streams with keys the tests generate: a good signature is accepted and reported; every
/// kind of bad one is refused with SignatureInvalid naming the document (and key), and nothing
/// from that stream is listed.
/// </summary>
public sealed partial class SignedStreamTests : IDisposable
{
    private static readonly Lazy<TestSigningKey> RsaKey = new(() => TestSigningKey.Rsa("MaasImages test signer <rsa@example.invalid>"));
    private static readonly Lazy<TestSigningKey> OtherKey = new(() => TestSigningKey.Rsa("Somebody else <other@example.invalid>"));
    private static readonly Lazy<TestSigningKey> EdKey = new(() => TestSigningKey.Ed25519("MaasImages test signer <ed25519@example.invalid>"));

    private static readonly string[] Products = [TempStream.V3Products, TempStream.CentosProducts, TempStream.BootloaderProducts];

    private readonly TempStream _stream = TempStream.OfSample();
    private readonly TempStream _keys = new();

    public void Dispose()
    {
        _stream.Dispose();
        _keys.Dispose();
    }

    /// <summary>Signs the copy like images.maas.io: index.sjson listing .sjson documents, each cleartext-signed.</summary>
    private void SignClear(TestSigningKey key, HashAlgorithmTag hash = HashAlgorithmTag.Sha512)
    {
        var index = _stream.Read(TempStream.Index).Replace(".json\"", ".sjson\"", StringComparison.Ordinal);
        _stream.Write("streams/v1/index.sjson", key.ClearSign(index, hash));
        foreach (var doc in Products)
            _stream.Write(Sjson(doc), key.ClearSign(_stream.Read(doc), hash));
    }

    private void SignDetached(TestSigningKey key)
    {
        foreach (var doc in Products.Append(TempStream.Index))
            _stream.Write(doc + ".gpg", key.DetachSign(File.ReadAllBytes(_stream.PathOf(doc))));
    }

    private static string Sjson(string json) => Path.ChangeExtension(json, ".sjson");

    private string Keyring(params TestSigningKey[] keys)
    {
        var path = Path.Combine(_keys.Root, $"keyring-{Guid.NewGuid():N}.asc");
        var text = new StringBuilder();
        foreach (var key in keys)
        {
            var one = Path.Combine(_keys.Root, Guid.NewGuid().ToString("N"));
            key.Export(one);
            text.Append(File.ReadAllText(one));
        }
        File.WriteAllText(path, text.ToString());
        return path;
    }

    private async Task<(MaasStream Stream, int Images)> Read(string? keyring, bool skip = false, string? environmentKeyring = null)
    {
        var stream = await StreamClient.OpenAsync(StreamSource.Resolve(null, _stream.Root),
            new StreamReadOptions { KeyringPath = keyring, SkipSignatureCheck = skip, EnvironmentKeyring = environmentKeyring }, CancellationToken.None);
        int count = 0;
        foreach (var content in stream.Contents.Where(c => c.Kind == MaasContentKind.Images))
            count += (await StreamClient.GetImageVersionsAsync(stream, content, new ImageQuery(), CancellationToken.None)).Count;
        return (stream, count);
    }

    [Fact]
    public async Task A_good_rsa_sha512_cleartext_signature_is_verified_and_reported()
    {
        SignClear(RsaKey.Value);
        var (stream, images) = await Read(Keyring(OtherKey.Value, RsaKey.Value)); // a keyring of several keys
        Assert.Equal(22, images);
        Assert.True(stream.Signed);
        Assert.True(stream.Verified);
        Assert.Equal(StreamSignatureStatus.Verified, stream.SignatureStatus);
        Assert.Equal(RsaKey.Value.Fingerprint, stream.SignedBy);
        Assert.Equal("MaasImages test signer <rsa@example.invalid>", stream.SignerUserId);
        Assert.Equal(RsaKey.Value.KeyId, stream.SignerKeyId);
    }

    [Fact]
    public async Task A_good_eddsa_sha256_signature_is_verified()
    {
        SignClear(EdKey.Value, HashAlgorithmTag.Sha256);
        var (stream, images) = await Read(Keyring(EdKey.Value));
        Assert.True(stream.Verified);
        Assert.Equal(22, images);
    }

    [Fact]
    public async Task Detached_json_gpg_signatures_are_verified_when_there_is_no_sjson()
    {
        SignDetached(RsaKey.Value);
        var (stream, images) = await Read(Keyring(RsaKey.Value));
        Assert.Equal("streams/v1/index.json", stream.IndexPath);
        Assert.True(stream.Verified);
        Assert.Equal(22, images);

        // A products document changed after signing is refused.
        _stream.Write(TempStream.V3Products, _stream.Read(TempStream.V3Products).Replace("20250718", "20250719", StringComparison.Ordinal));
        var error = await Assert.ThrowsAsync<SignatureInvalidException>(() => Read(Keyring(RsaKey.Value)));
        Assert.Contains("v3:download.json.gpg", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_changed_byte_in_a_signed_body_is_refused()
    {
        SignClear(RsaKey.Value);
        var doc = Sjson(TempStream.V3Products);
        _stream.Write(doc, _stream.Read(doc).Replace("\"size\": 3", "\"size\": 4", StringComparison.Ordinal));
        var error = await Assert.ThrowsAsync<SignatureInvalidException>(() => Read(Keyring(RsaKey.Value)));
        Assert.Equal("SignatureInvalid", error.ErrorId);
        Assert.Contains("v3:download.sjson", error.Message, StringComparison.Ordinal);
        Assert.Contains(RsaKey.Value.KeyId, error.Message, StringComparison.Ordinal);
        Assert.Contains("does not match", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signature_by_a_key_outside_the_keyring_is_refused_naming_the_key()
    {
        SignClear(OtherKey.Value);
        var error = await Assert.ThrowsAsync<SignatureInvalidException>(() => Read(Keyring(RsaKey.Value)));
        Assert.Equal(OtherKey.Value.KeyId, error.KeyId);
        Assert.Contains("not in the keyring", error.Message, StringComparison.Ordinal);
        Assert.Contains("index.sjson", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_truncated_signature_armor_is_refused()
    {
        SignClear(RsaKey.Value);
        var index = _stream.Read("streams/v1/index.sjson");
        _stream.Write("streams/v1/index.sjson", index[..index.IndexOf("-----END PGP SIGNATURE-----", StringComparison.Ordinal)]);
        var error = await Assert.ThrowsAsync<SignatureInvalidException>(() => Read(Keyring(RsaKey.Value)));
        Assert.Contains("index.sjson", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signature_over_different_line_endings_is_refused()
    {
        // Signed over the LF bytes of the body, not the canonical CRLF text a cleartext signature covers.
        var index = _stream.Read(TempStream.Index).Replace(".json\"", ".sjson\"", StringComparison.Ordinal);
        _stream.Write("streams/v1/index.sjson", RsaKey.Value.ClearSign(index, signedBytes: Encoding.UTF8.GetBytes(index.TrimEnd('\n'))));
        var error = await Assert.ThrowsAsync<SignatureInvalidException>(() => Read(Keyring(RsaKey.Value)));
        Assert.Contains("index.sjson", error.Message, StringComparison.Ordinal);
        Assert.Contains("canonical lines (CRLF)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trailing_whitespace_and_crlf_in_the_file_do_not_break_a_good_signature()
    {
        SignClear(RsaKey.Value);
        var path = "streams/v1/index.sjson";
        var text = _stream.Read(path);
        var bodyEnd = text.IndexOf("-----BEGIN PGP SIGNATURE-----", StringComparison.Ordinal);
        var body = text[..bodyEnd].Replace("\n", "  \r\n", StringComparison.Ordinal); // trailing spaces are not signed
        _stream.Write(path, body + text[bodyEnd..]);
        var (stream, _) = await Read(Keyring(RsaKey.Value));
        Assert.True(stream.Verified);
    }

    [Fact]
    public async Task An_expired_key_is_refused()
    {
        var expired = TestSigningKey.Rsa("Expired <expired@example.invalid>", DateTime.UtcNow.AddDays(-3), expiresAfterSeconds: 86400);
        SignClear(expired);
        var error = await Assert.ThrowsAsync<SignatureInvalidException>(() => Read(Keyring(expired)));
        Assert.Contains("expired", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_revoked_key_is_refused()
    {
        var revoked = TestSigningKey.Rsa("Revoked <revoked@example.invalid>");
        SignClear(revoked);
        revoked.Revoke();
        var error = await Assert.ThrowsAsync<SignatureInvalidException>(() => Read(Keyring(revoked)));
        Assert.Contains("revoked", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signed_index_makes_every_products_document_signed_required()
    {
        SignClear(RsaKey.Value);
        var v3 = Sjson(TempStream.V3Products);
        _stream.Write(v3, _stream.Read(TempStream.V3Products)); // the .sjson path now holds plain JSON
        var error = await Assert.ThrowsAsync<SignatureInvalidException>(() => Read(Keyring(RsaKey.Value)));
        Assert.Contains("must be too", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signed_body_that_does_not_parse_is_refused_as_a_bad_signature()
    {
        var index = "{\n\"format\": \"index:1.0\",\n\"index\": {,}\n}";
        _stream.Write("streams/v1/index.sjson", RsaKey.Value.ClearSign(index));
        var error = await Assert.ThrowsAsync<SignatureInvalidException>(() => Read(Keyring(RsaKey.Value)));
        Assert.Contains("cannot be read", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Skipping_the_check_reads_a_badly_signed_stream_and_says_it_was_skipped()
    {
        SignClear(OtherKey.Value);
        var (stream, images) = await Read(Keyring(RsaKey.Value), skip: true);
        Assert.Equal(StreamSignatureStatus.Skipped, stream.SignatureStatus);
        Assert.False(stream.Verified);
        Assert.Null(stream.SignedBy);
        Assert.Equal(22, images);
    }

    [Fact]
    public async Task An_unsigned_stream_is_refused_unless_the_check_is_skipped()
    {
        var error = await Assert.ThrowsAsync<UnsignedStreamException>(() => Read(Keyring(RsaKey.Value)));
        Assert.Equal("UnsignedStream", error.ErrorId);
        Assert.Equal(MaasRemedy.SkipSignatureCheck, error.Remedy); // the cmdlet layer names -SkipSignatureCheck
        var (stream, images) = await Read(null, skip: true);
        Assert.Equal(StreamSignatureStatus.Unsigned, stream.SignatureStatus);
        Assert.Equal(22, images);
    }

    [Fact]
    public async Task A_signed_stream_without_any_keyring_is_keyring_not_found_saying_where_it_looked()
    {
        SignClear(RsaKey.Value);
        if (Engine.Security.Keyring.SystemLocations.Any(File.Exists)) return; // this machine has the real keyring: nothing to prove
        // The environment as seen by this read only: no process-wide change other tests could race with.
        var error = await Assert.ThrowsAsync<KeyringNotFoundException>(() => Read(null, environmentKeyring: string.Empty));
        Assert.Equal("KeyringNotFound", error.ErrorId);
        Assert.Contains("/usr/share/keyrings/ubuntu-cloudimage-keyring.gpg", error.Message, StringComparison.Ordinal);
        Assert.Equal(MaasRemedy.KeyringOrSkipSignatureCheck, error.Remedy); // the cmdlet layer names -Keyring and -SkipSignatureCheck
        Assert.Contains("$" + Engine.Security.Keyring.EnvironmentVariable, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Binary_and_armored_keyrings_load_with_every_key()
    {
        var binary = Path.Combine(_keys.Root, "keyring.gpg");
        using (var file = File.Create(binary))
        {
            RsaKey.Value.PublicRing.Encode(file);
            EdKey.Value.PublicRing.Encode(file);
        }
        Assert.Equal([RsaKey.Value.Fingerprint, EdKey.Value.Fingerprint], Engine.Security.Keyring.Load(binary).Fingerprints);
        Assert.Equal([OtherKey.Value.Fingerprint, RsaKey.Value.Fingerprint], Engine.Security.Keyring.Load(Keyring(OtherKey.Value, RsaKey.Value)).Fingerprints);
        var notAKeyring = Path.Combine(_keys.Root, "junk");
        File.WriteAllText(notAKeyring, "not a key");
        Assert.Throws<MalformedDocumentException>(() => Engine.Security.Keyring.Load(notAKeyring));
        Assert.Throws<KeyringNotFoundException>(() => Engine.Security.Keyring.Load(Path.Combine(_keys.Root, "missing.gpg")));
    }

    [RealFixtureFact]
    public void The_two_ubuntu_cloud_image_keys_load_with_their_fingerprints()
    {
        var cloud = Engine.Security.Keyring.Load(Path.Combine(RepoPaths.RealFixtures, "cloud-images.pub"));
        Assert.Equal(["4A3CE3CD565D7EB5C810E2B97FF3F408476CF100"], cloud.Fingerprints);
        Assert.Contains("Ubuntu Cloud Image Builder", cloud.UserIds[0], StringComparison.Ordinal);
        var uec = Engine.Security.Keyring.Load(Path.Combine(RepoPaths.RealFixtures, "ubuntu-uec-image-automatic-signing-key.asc"));
        Assert.Equal(["D2EB44626FDDC30B513D5BB71A5D6C4C7DB87C81"], uec.Fingerprints);

        // Both in one armored file, as `cat a.asc b.asc` makes it.
        var both = Path.Combine(_keys.Root, "ubuntu-cloudimage-keyring.asc");
        File.WriteAllText(both, File.ReadAllText(Path.Combine(RepoPaths.RealFixtures, "cloud-images.pub")) +
                                File.ReadAllText(Path.Combine(RepoPaths.RealFixtures, "ubuntu-uec-image-automatic-signing-key.asc")));
        Assert.Equal(["4A3CE3CD565D7EB5C810E2B97FF3F408476CF100", "D2EB44626FDDC30B513D5BB71A5D6C4C7DB87C81"],
            Engine.Security.Keyring.Load(both).Fingerprints);
    }

    [Fact]
    public async Task The_committed_sample_stream_verifies_with_the_committed_sample_key()
    {
        var stream = await StreamClient.OpenAsync(StreamSource.Resolve(null, RepoPaths.SampleStream),
            new StreamReadOptions { KeyringPath = SampleKeyring.PublicKey }, CancellationToken.None);
        Assert.True(stream.Verified);
        Assert.Contains("sample", stream.SignerUserId, StringComparison.Ordinal);
    }
}
