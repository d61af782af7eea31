using System.Text;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Security;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Tests.Support;
using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;

namespace MaasImages.Engine.Tests.Security;

/// <summary>
/// The signature policy the README promises, each rule with a key the test generates: binding of
/// products documents to their index entry, Hash header, digest and key algorithms, subkey flags,
/// signature expiry, detached signature type, and nothing before or after the signed message.
/// </summary>
public sealed partial class SignedStreamTests
{
    private const string V3ContentId = "com.ubuntu.maas:stable:v3:download";

    private async Task<SignatureInvalidException> Refused(TestSigningKey key) =>
        await Assert.ThrowsAsync<SignatureInvalidException>(() => Read(Keyring(key)));

    [Fact]
    public async Task A_genuinely_signed_products_document_of_another_content_id_is_refused()
    {
        SignClear(RsaKey.Value);
        // The candidate stream's document, signed by the same trusted key, put where stable's belongs.
        var candidate = _stream.Read(TempStream.V3Products).Replace(V3ContentId, "com.ubuntu.maas:candidate:v3:download", StringComparison.Ordinal);
        _stream.Write(Sjson(TempStream.V3Products), RsaKey.Value.ClearSign(candidate));

        var error = await Assert.ThrowsAsync<ContentIdMismatchException>(() => Read(Keyring(RsaKey.Value)));
        Assert.Equal("ContentIdMismatch", error.ErrorId);
        Assert.Contains("v3:download.sjson", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{V3ContentId}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'com.ubuntu.maas:candidate:v3:download'", error.Message, StringComparison.Ordinal);

        // Another content of the same stream (the CentOS document) swapped in is refused too.
        _stream.Write(Sjson(TempStream.V3Products), _stream.Read(Sjson(TempStream.CentosProducts)));
        error = await Assert.ThrowsAsync<ContentIdMismatchException>(() => Read(Keyring(RsaKey.Value)));
        Assert.Equal("com.ubuntu.maas:stable:centos-bases-download", error.Actual);
    }

    [Fact]
    public async Task A_products_document_without_a_content_id_is_refused_even_unsigned()
    {
        _stream.EditJson(TempStream.V3Products, doc => doc.Remove("content_id"));
        var error = await Assert.ThrowsAsync<ContentIdMismatchException>(() => Read(null, skip: true));
        Assert.Contains("content_id is missing", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SHA256", "says 'Hash: SHA256' but the signature uses SHA512")]
    [InlineData("SHA512, SHA1", "says 'Hash: SHA512, SHA1'")]
    [InlineData("", "no 'Hash:' header (that means MD5)")]
    public async Task The_hash_armor_header_must_name_the_signature_digest(string header, string expected)
    {
        SignClear(RsaKey.Value);
        var index = _stream.Read(TempStream.Index).Replace(".json\"", ".sjson\"", StringComparison.Ordinal);
        _stream.Write("streams/v1/index.sjson", RsaKey.Value.ClearSign(index, HashAlgorithmTag.Sha512, hashHeader: header));
        var error = await Refused(RsaKey.Value);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("index.sjson", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HashAlgorithmTag.Sha1, "SHA1")]
    [InlineData(HashAlgorithmTag.MD5, "MD5")]
    public async Task Md5_and_sha1_signatures_are_refused_even_when_the_header_agrees(HashAlgorithmTag hash, string name)
    {
        SignClear(RsaKey.Value, hash);
        var error = await Refused(RsaKey.Value);
        Assert.Contains($"hash algorithm {name} is not accepted", error.Message, StringComparison.Ordinal);

        // Detached signatures too.
        foreach (var file in Directory.GetFiles(Path.Combine(_stream.Root, "streams", "v1"), "*.sjson")) File.Delete(file);
        _stream.Write(TempStream.Index + ".gpg", RsaKey.Value.DetachSign(File.ReadAllBytes(_stream.PathOf(TempStream.Index)), hash));
        error = await Refused(RsaKey.Value);
        Assert.Contains($"hash algorithm {name} is not accepted", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rsa_keys_under_2048_bits_are_refused()
    {
        var small = TestSigningKey.Rsa("Small <small@example.invalid>", bits: 1024);
        SignClear(small);
        var error = await Refused(small);
        Assert.Contains("RSA of 1024 bits; at least 2048 bits are required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Key_algorithms_other_than_rsa_and_eddsa_are_refused()
    {
        var ecdsa = TestSigningKey.Ecdsa("ECDSA <ecdsa@example.invalid>");
        SignClear(ecdsa, HashAlgorithmTag.Sha256);
        var error = await Refused(ecdsa);
        Assert.Contains("uses ECDsa; only RSA (2048 bits or more) and EdDSA keys are accepted", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dsa_key_is_refused_naming_its_algorithm()
    {
        var dsa = TestSigningKey.Dsa("DSA <dsa@example.invalid>");
        SignClear(dsa);
        var error = await Refused(dsa);
        Assert.Contains("uses Dsa; only RSA (2048 bits or more) and EdDSA keys are accepted", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HashAlgorithmTag.Sha224)]
    [InlineData(HashAlgorithmTag.Sha384)]
    public async Task Sha224_and_sha384_signatures_are_accepted_like_sha256_and_sha512(HashAlgorithmTag hash)
    {
        SignClear(RsaKey.Value, hash);
        var (stream, images) = await Read(Keyring(RsaKey.Value));
        Assert.True(stream.Verified);
        Assert.Equal(22, images);

        // Detached signatures too.
        foreach (var file in Directory.GetFiles(Path.Combine(_stream.Root, "streams", "v1"), "*.sjson")) File.Delete(file);
        foreach (var doc in Products.Append(TempStream.Index))
            _stream.Write(doc + ".gpg", RsaKey.Value.DetachSign(File.ReadAllBytes(_stream.PathOf(doc)), hash));
        (stream, images) = await Read(Keyring(RsaKey.Value));
        Assert.True(stream.Verified);
        Assert.Equal("streams/v1/index.json", stream.IndexPath);
        Assert.Equal(22, images);
    }

    [Fact]
    public async Task A_signing_subkey_must_carry_the_signing_flag()
    {
        var encryptOnly = TestSigningKey.RsaWithSubkey("Encrypt-only subkey <enc@example.invalid>", PgpKeyFlags.CanEncryptCommunications | PgpKeyFlags.CanEncryptStorage);
        SignClear(encryptOnly);
        var error = await Refused(encryptOnly);
        Assert.Equal(encryptOnly.SigningKeyId, error.KeyId);
        Assert.Contains("not marked for signing", error.Message, StringComparison.Ordinal);

        var signing = TestSigningKey.RsaWithSubkey("Signing subkey <sign@example.invalid>", PgpKeyFlags.CanSign);
        SignClear(signing);
        var (stream, images) = await Read(Keyring(signing));
        Assert.True(stream.Verified);
        Assert.Equal(signing.SigningKeyId, stream.SignerKeyId);
        Assert.Equal(signing.Fingerprint, stream.SignedBy);
        Assert.Equal(22, images);
    }

    [Fact]
    public async Task An_expired_signing_subkey_is_refused_though_its_primary_is_valid()
    {
        // Made two days ago; the binding let the subkey live one day. The primary never expires.
        var expired = TestSigningKey.RsaWithSubkey("Expired subkey <expired-sub@example.invalid>", PgpKeyFlags.CanSign,
            created: DateTime.UtcNow.AddDays(-2), subkeyExpiresAfterSeconds: 86400);
        SignClear(expired);
        var error = await Refused(expired);
        Assert.Equal(expired.SigningKeyId, error.KeyId);
        Assert.Contains("expired on", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(expired.Fingerprint, error.Message, StringComparison.Ordinal); // the subkey expired, not the primary

        // The same, with a subkey bound for a week: accepted.
        var living = TestSigningKey.RsaWithSubkey("Living subkey <living-sub@example.invalid>", PgpKeyFlags.CanSign,
            created: DateTime.UtcNow.AddDays(-2), subkeyExpiresAfterSeconds: 7 * 86400);
        SignClear(living);
        var (stream, _) = await Read(Keyring(living));
        Assert.True(stream.Verified);
        Assert.Equal(living.SigningKeyId, stream.SignerKeyId);
    }

    [Theory]
    [InlineData(TestSigningKey.BackSignature.None)]
    [InlineData(TestSigningKey.BackSignature.ByAnotherKey)]
    public async Task A_signing_subkey_without_a_valid_back_signature_is_refused(TestSigningKey.BackSignature backSignature)
    {
        var key = TestSigningKey.RsaWithSubkey("Not cross-certified <nobacksig@example.invalid>", PgpKeyFlags.CanSign, backSignature);
        SignClear(key);
        var error = await Refused(key);
        Assert.Equal(key.SigningKeyId, error.KeyId);
        Assert.Contains("not cross-certified", error.Message, StringComparison.Ordinal);
        Assert.Contains(key.Fingerprint, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_primary_key_whose_flags_do_not_allow_signing_is_refused()
    {
        var certifyOnly = TestSigningKey.Rsa("Certify only <certify@example.invalid>", keyFlags: PgpKeyFlags.CanCertify);
        SignClear(certifyOnly);
        var error = await Refused(certifyOnly);
        Assert.Contains("does not allow signing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expired_signature_is_refused_though_the_key_is_valid()
    {
        var key = TestSigningKey.Rsa("Old signer <old@example.invalid>", DateTime.UtcNow.AddDays(-10));
        var index = _stream.Read(TempStream.Index).Replace(".json\"", ".sjson\"", StringComparison.Ordinal);
        _stream.Write("streams/v1/index.sjson", key.ClearSign(index, signatureLifetime: 86400, signedAt: DateTime.UtcNow.AddDays(-2)));
        var error = await Refused(key);
        Assert.Contains("the signature (made", error.Message, StringComparison.Ordinal);
        Assert.Contains("expired on", error.Message, StringComparison.Ordinal);

        // Still within its lifetime: accepted.
        _stream.Write("streams/v1/index.sjson", key.ClearSign(index, signatureLifetime: 7 * 86400, signedAt: DateTime.UtcNow.AddDays(-2)));
        foreach (var doc in Products) _stream.Write(Sjson(doc), key.ClearSign(_stream.Read(doc)));
        var (stream, _) = await Read(Keyring(key));
        Assert.True(stream.Verified);
    }

    [Fact]
    public async Task A_detached_signature_must_be_a_binary_document_signature()
    {
        SignDetached(RsaKey.Value);
        _stream.Write(TempStream.Index + ".gpg",
            RsaKey.Value.DetachSign(File.ReadAllBytes(_stream.PathOf(TempStream.Index)), type: PgpSignature.CanonicalTextDocument));
        var error = await Refused(RsaKey.Value);
        Assert.Contains("must sign the document's bytes (binary signature)", error.Message, StringComparison.Ordinal);
        Assert.Contains("index.json.gpg", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_detached_signature_file_with_text_after_its_block_is_refused()
    {
        SignDetached(RsaKey.Value);
        var gpg = TempStream.Index + ".gpg";
        _stream.Write(gpg, _stream.Read(gpg) + RsaKey.Value.DetachSign(File.ReadAllBytes(_stream.PathOf(TempStream.Index))));
        var error = await Refused(RsaKey.Value);
        Assert.Contains("text before or after its armored block", error.Message, StringComparison.Ordinal);
        Assert.Contains("index.json.gpg", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Text_before_the_signed_message_is_refused()
    {
        SignClear(RsaKey.Value);
        var doc = Sjson(TempStream.V3Products);
        _stream.Write(doc, "{\"format\": \"products:1.0\"}\n" + _stream.Read(doc));
        var error = await Refused(RsaKey.Value);
        Assert.Contains("text before '-----BEGIN PGP SIGNED MESSAGE-----'", error.Message, StringComparison.Ordinal);
        Assert.Contains("v3:download.sjson", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Text_after_the_signature_block_is_refused()
    {
        SignClear(RsaKey.Value);
        var doc = Sjson(TempStream.V3Products);
        _stream.Write(doc, _stream.Read(doc) + "\n{\"products\": {}}\n");
        var error = await Refused(RsaKey.Value);
        Assert.Contains("text after '-----END PGP SIGNATURE-----'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_concatenated_signed_messages_are_refused_though_the_first_verifies()
    {
        SignClear(RsaKey.Value);
        var doc = Sjson(TempStream.V3Products);
        var other = RsaKey.Value.ClearSign(_stream.Read(TempStream.V3Products).Replace("20250718", "20250719", StringComparison.Ordinal));
        _stream.Write(doc, _stream.Read(doc) + other);
        var error = await Refused(RsaKey.Value);
        Assert.Contains("a second message or appended data", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signature_block_with_two_signatures_is_refused()
    {
        SignClear(RsaKey.Value);
        var index = _stream.Read(TempStream.Index).Replace(".json\"", ".sjson\"", StringComparison.Ordinal);
        var first = RsaKey.Value.ClearSign(index);
        var second = OtherKey.Value.ClearSign(index);
        var packets = new MemoryStream();
        foreach (var armored in new[] { first, second })
        {
            var block = armored[armored.IndexOf("-----BEGIN PGP SIGNATURE-----", StringComparison.Ordinal)..];
            using var decoded = PgpUtilities.GetDecoderStream(new MemoryStream(Encoding.ASCII.GetBytes(block)));
            decoded.CopyTo(packets);
        }
        var output = new MemoryStream();
        using (var armor = new ArmoredOutputStream(output)) armor.Write(packets.ToArray());
        var twoSignatures = first[..first.IndexOf("-----BEGIN PGP SIGNATURE-----", StringComparison.Ordinal)] + Encoding.ASCII.GetString(output.ToArray());
        _stream.Write("streams/v1/index.sjson", twoSignatures);
        var error = await Refused(RsaKey.Value);
        Assert.Contains("holds 2 signatures; exactly one is expected", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_cleartext_armor_header_is_refused()
    {
        SignClear(RsaKey.Value);
        var path = "streams/v1/index.sjson";
        _stream.Write(path, _stream.Read(path).Replace("Hash: SHA512\n", "Hash: SHA512\nComment: trust me\n", StringComparison.Ordinal));
        var error = await Refused(RsaKey.Value);
        Assert.Contains("unexpected armor header 'Comment'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signed_document_with_a_duplicate_key_is_malformed_with_its_file_line()
    {
        SignClear(RsaKey.Value);
        var body = _stream.Read(TempStream.V3Products).Replace("\"datatype\": \"image-ids\",", "\"datatype\": \"image-ids\",\n \"datatype\": \"other\",", StringComparison.Ordinal);
        var signed = RsaKey.Value.ClearSign(body);
        _stream.Write(Sjson(TempStream.V3Products), signed);
        var error = await Assert.ThrowsAsync<MalformedDocumentException>(() => Read(Keyring(RsaKey.Value)));
        var line = signed[..signed.IndexOf("\"datatype\": \"other\"", StringComparison.Ordinal)].Count(c => c == '\n') + 1;
        Assert.Contains($"\"datatype\" twice in one object (line {line})", error.Message, StringComparison.Ordinal);
    }
}
