using System.Text;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Security;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Tests.Support;

namespace MaasImages.Engine.Tests.Streams;

/// <summary>
/// The signature and duplicate-key checks run beside the JSON parse (two whole passes over a big
/// document, on another core), yet a document is refused for the same reason as when they ran one
/// after the other: a bad signature first, then JSON that is not valid, then a key twice; and
/// nothing parsed is handed out when any of them fails.
/// </summary>
public sealed class ParseCheckOrderTests : IDisposable
{
    private static readonly Lazy<TestSigningKey> RsaKey = new(() => TestSigningKey.Rsa("MaasImages test signer <rsa@example.invalid>"));
    private static readonly Uri Where = new("file:///doc.sjson");

    private readonly TempStream _keys = new();

    public void Dispose() => _keys.Dispose();

    private Keyring LoadKeyring() => Keyring.Load(StreamSigner.Keyring(_keys.Root, RsaKey.Value));

    private static byte[] Tampered(string signed, string from, string to) => Encoding.UTF8.GetBytes(signed.Replace(from, to, StringComparison.Ordinal));

    private MetadataDocument ParseVerified(byte[] raw)
    {
        var keyring = LoadKeyring();
        return MetadataDocument.Parse("doc.sjson", Where, raw, m => SignatureVerifier.VerifyClearSigned(m, keyring, "doc.sjson"));
    }

    [Fact]
    public void A_changed_body_that_is_also_not_json_and_has_a_key_twice_is_refused_for_its_signature()
    {
        var signed = RsaKey.Value.ClearSign("{\n \"format\": \"products:1.0\",\n \"a\": 1\n}");
        var raw = Tampered(signed, "\"a\": 1\n}", "\"a\": 1, \"a\": 2,\n}");
        var error = Assert.Throws<SignatureInvalidException>(() => ParseVerified(raw));
        Assert.Contains("does not match the content", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_signed_document_that_is_not_json_and_has_a_key_twice_is_refused_as_not_json()
    {
        var raw = Encoding.UTF8.GetBytes(RsaKey.Value.ClearSign("{\n \"format\": \"products:1.0\",\n \"a\": 1, \"a\": 2,\n}"));
        var error = Assert.Throws<MalformedDocumentException>(() => ParseVerified(raw));
        Assert.Contains("is not valid JSON at line", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_twice_in_a_well_signed_document_is_reported_by_the_duplicate_key_check_naming_the_file_line()
    {
        var json = "{\n \"format\": \"products:1.0\",\n \"a\": 1,\n \"a\": 2\n}";
        var signed = RsaKey.Value.ClearSign(json);
        using var document = ParseVerified(Encoding.UTF8.GetBytes(signed));
        var error = Assert.Throws<MalformedDocumentException>(document.EnsureNoDuplicateKeys);
        var line = signed[..signed.IndexOf(" \"a\": 2", StringComparison.Ordinal)].Count(c => c == '\n') + 1;
        Assert.Contains($"\"a\" twice in one object (line {line})", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unsigned_document_gets_the_same_order_json_first_then_a_key_twice()
    {
        var invalid = Encoding.UTF8.GetBytes("{\"a\": 1, \"a\": 2,}");
        Assert.Contains("is not valid JSON", Assert.Throws<MalformedDocumentException>(() => MetadataDocument.Parse("doc.json", Where, invalid)).Message,
            StringComparison.Ordinal);

        using var twice = MetadataDocument.Parse("doc.json", Where, Encoding.UTF8.GetBytes("{\"a\": 1,\n\"b\": {\"c\": 1, \"c\": 2}}"));
        Assert.Contains("\"c\" twice in one object (line 2)", Assert.Throws<MalformedDocumentException>(twice.EnsureNoDuplicateKeys).Message,
            StringComparison.Ordinal);

        using var clean = MetadataDocument.Parse("doc.json", Where, Encoding.UTF8.GetBytes("{\"a\": 1, \"b\": {\"a\": 2}}"));
        clean.EnsureNoDuplicateKeys();
    }
}
