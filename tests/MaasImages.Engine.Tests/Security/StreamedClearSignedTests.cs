using System.Runtime.InteropServices;
using System.Text;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Security;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Tests.Support;
using Org.BouncyCastle.Bcpg;

namespace MaasImages.Engine.Tests.Security;

/// <summary>
/// Cleartext-signed documents read from their bytes: the canonical text is streamed to the
/// signature check in chunks (never built whole) and the JSON is read from the verified bytes.
/// The streamed text must be exactly RFC 4880 §7.1's, whatever the line ends, trailing whitespace,
/// dash-escaping or size, and a change anywhere in a signed body must be refused.
/// </summary>
public sealed class StreamedClearSignedTests : IDisposable
{
    private static readonly Lazy<TestSigningKey> RsaKey = new(() => TestSigningKey.Rsa("MaasImages test signer <rsa@example.invalid>"));
    private static readonly Lazy<TestSigningKey> EdKey = new(() => TestSigningKey.Ed25519("MaasImages test signer <ed25519@example.invalid>"));

    private readonly TempStream _keys = new();

    public void Dispose() => _keys.Dispose();

    /// <summary>
    /// RFC 4880 §7.1 written the obvious way, the reference the streamed text is held to: the body's
    /// lines as <see cref="ClearSignedMessageTests.Armor"/> writes them, each ended by
    /// <paramref name="newline"/> in the file (whose LF, and one CR before it, end the line).
    /// </summary>
    private static byte[] ReferenceCanonical(string body, string newline) =>
        Encoding.UTF8.GetBytes(string.Join("\r\n", body.Split('\n')
            .Select(l => (newline == "\n" && l.EndsWith('\r') ? l[..^1] : l).TrimEnd(' ', '\t'))));

    private static (byte[] Text, List<int> Chunks) Streamed(ClearSignedMessage message)
    {
        var text = new MemoryStream();
        var chunks = new List<int>();
        message.WriteCanonicalText((buffer, offset, count) =>
        {
            text.Write(buffer, offset, count);
            chunks.Add(count);
        });
        return (text.ToArray(), chunks);
    }

    /// <summary>A JSON body of about <paramref name="bytes"/> bytes, one value per line, in the real documents' indentation.</summary>
    private static string BigJson(int bytes)
    {
        var text = new StringBuilder("{\n \"content_id\": \"com.example:big\",\n \"format\": \"products:1.0\",\n \"values\": {\n");
        for (int i = 0; text.Length < bytes; i++)
            text.Append(i == 0 ? "" : ",\n").Append("  \"key").Append(i).Append("\": \"").Append(Convert.ToHexString(BitConverter.GetBytes(i * 7919L))).Append('"');
        return text.Append("\n }\n}").ToString();
    }

    public static TheoryData<string, string> Bodies() => new()
    {
        { "lf", "{\n \"a\": 1\n}" },
        { "crlf", "{\r\n \"a\": 1\r\n}" },
        { "trailing spaces and tabs", "{ \t\n \"a\": \"x \" \t \n}  " },
        { "inner whitespace kept", "{\n\t\"a\":\t \"x\"\n}" },
        { "dash lines", "[\n-1,\n--2,\n- 3,\n-\n]" },
        { "empty lines", "\n{\n\n}\n" },
        { "one empty line", "" },
        { "non-ascii", "{\n \"é\": \"日本 \"  \n}" },
        { "a lone cr inside a line", "{\n \"a\": 1,\r \"b\": 2\n}" },
        { "bigger than several chunks", BigJson(5 * ClearSignedMessage.CanonicalChunkBytes + 123) },
        { "a line longer than a chunk", "[\n\"" + new string('x', 3 * ClearSignedMessage.CanonicalChunkBytes) + "\"  \n]" },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public void The_streamed_canonical_text_is_the_rfc4880_text(string name, string body)
    {
        foreach (var newline in new[] { "\n", "\r\n" })
        {
            var message = ClearSignedMessage.Parse(ClearSignedMessageTests.Armor(body, newline), "doc.sjson");
            var (text, chunks) = Streamed(message);
            Assert.True(ReferenceCanonical(body, newline).AsSpan().SequenceEqual(text), $"{name}, newline {newline.Length}");
            Assert.All(chunks, c => Assert.InRange(c, 1, ClearSignedMessage.CanonicalChunkBytes));
            if (text.Length > ClearSignedMessage.CanonicalChunkBytes) Assert.True(chunks.Count > 1);
        }
    }

    [Fact]
    public void The_json_body_is_the_documents_own_bytes_unless_dash_escaping_is_undone()
    {
        var plain = Encoding.UTF8.GetBytes(ClearSignedMessageTests.Armor("{\n \"a\": 1\n}"));
        var body = ClearSignedMessage.Parse(plain, "doc.sjson").JsonBody();
        Assert.Equal("{\n \"a\": 1\n}", Encoding.UTF8.GetString(body.Span));
        Assert.True(MemoryMarshal.TryGetArray(body, out var segment));
        Assert.Same(plain, segment.Array); // read in place, not copied

        var escaped = Encoding.UTF8.GetBytes(ClearSignedMessageTests.Armor("[\n-1,\n- 2\n]"));
        Assert.Equal("[\n-1,\n- 2\n]", Encoding.UTF8.GetString(ClearSignedMessage.Parse(escaped, "doc.sjson").JsonBody().Span));
    }

    [Fact]
    public void Framing_errors_name_the_line_of_the_file()
    {
        var bom = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("\n" + ClearSignedMessageTests.Armor("{}") + "\nappended\n")).ToArray();
        var error = Assert.Throws<MalformedDocumentException>(() => ClearSignedMessage.Parse(bom, "doc.sjson"));
        Assert.Contains("(line 12)", error.Message, StringComparison.Ordinal); // blank, 3 armor, body, 5 signature, blank, appended
        Assert.Contains("text after '-----END PGP SIGNATURE-----'", error.Message, StringComparison.Ordinal);

        var undashed = ClearSignedMessageTests.Armor("{\n\"a\": [\nX1\n]\n}").Replace("\nX1", "\n-1", StringComparison.Ordinal);
        error = Assert.Throws<MalformedDocumentException>(() => ClearSignedMessage.Parse(undashed, "doc.sjson"));
        Assert.Contains("(line 6)", error.Message, StringComparison.Ordinal);
        Assert.Contains("not dash-escaped", error.Message, StringComparison.Ordinal);
    }

    private string Keyring(TestSigningKey key) => StreamSigner.Keyring(_keys.Root, key);

    private static SignerInfo Verify(string signed, string keyring) => Verify(Encoding.UTF8.GetBytes(signed), keyring);

    private static SignerInfo Verify(byte[] signed, string keyring) =>
        SignatureVerifier.VerifyClearSigned(ClearSignedMessage.Parse(signed, "big.sjson"), MaasImages.Engine.Security.Keyring.Load(keyring), "big.sjson");

    public static TheoryData<string> Keys() => new() { "rsa", "ed25519" };

    private static TestSigningKey KeyOf(string kind) => kind == "rsa" ? RsaKey.Value : EdKey.Value;

    [Theory]
    [MemberData(nameof(Keys))]
    public void A_document_bigger_than_many_chunks_verifies_also_with_crlf_and_trailing_whitespace(string kind)
    {
        var key = KeyOf(kind);
        var keyring = Keyring(key);
        var signed = key.ClearSign(BigJson(4 * ClearSignedMessage.CanonicalChunkBytes), kind == "rsa" ? HashAlgorithmTag.Sha512 : HashAlgorithmTag.Sha256);
        Assert.Equal(key.KeyId, Verify(signed, keyring).KeyId);

        var bodyEnd = signed.IndexOf("-----BEGIN PGP SIGNATURE-----", StringComparison.Ordinal);
        Assert.Equal(key.KeyId, Verify(signed[..bodyEnd].Replace("\n", "\r\n", StringComparison.Ordinal) + signed[bodyEnd..], keyring).KeyId);
        Assert.Equal(key.KeyId, Verify(signed[..bodyEnd].Replace("\",\n", "\", \t \n", StringComparison.Ordinal) + signed[bodyEnd..], keyring).KeyId);
    }

    /// <summary>A body changed at its first line, around the first chunk boundary, in the middle and at its last line.</summary>
    [Theory]
    [InlineData("rsa", "start")]
    [InlineData("rsa", "chunk boundary")]
    [InlineData("rsa", "middle")]
    [InlineData("rsa", "end")]
    [InlineData("ed25519", "start")]
    [InlineData("ed25519", "chunk boundary")]
    [InlineData("ed25519", "end")]
    public void A_body_changed_after_signing_is_refused_wherever_the_change_is(string kind, string where)
    {
        var key = KeyOf(kind);
        var keyring = Keyring(key);
        var body = BigJson(3 * ClearSignedMessage.CanonicalChunkBytes);
        var signed = Encoding.UTF8.GetBytes(key.ClearSign(body, kind == "rsa" ? HashAlgorithmTag.Sha512 : HashAlgorithmTag.Sha256));
        var bodyStart = signed.AsSpan().IndexOf("\n\n"u8) + 2;
        var bodyEnd = signed.AsSpan().IndexOf("\n-----BEGIN PGP SIGNATURE-----"u8);
        // The body is LF-separated here: canonical offset N is body byte N minus the lines before it (each LF became CRLF).
        int CanonicalToBody(int offset)
        {
            int position = 0, canonical = 0;
            while (canonical < offset) canonical += body[position++] == '\n' ? 2 : 1;
            return position;
        }
        var at = where switch
        {
            "start" => bodyStart,                                   // the '{' of the first line
            "chunk boundary" => bodyStart + CanonicalToBody(ClearSignedMessage.CanonicalChunkBytes),
            "middle" => bodyStart + (bodyEnd - bodyStart) / 2,
            _ => bodyEnd - 1,                                       // the '}' of the last line
        };
        // Swap in another printable character: what the JSON means may change, the size does not.
        var changed = (byte[])signed.Clone();
        changed[at] = changed[at] == (byte)'7' ? (byte)'8' : changed[at] is (byte)'\n' ? (byte)' ' : (byte)'7';
        var error = Assert.Throws<SignatureInvalidException>(() => Verify(changed, keyring));
        Assert.Contains("does not match", error.Message, StringComparison.Ordinal);
        Assert.Equal(key.KeyId, error.KeyId);
    }

    [Fact]
    public void An_empty_line_added_before_the_signature_is_refused()
    {
        var keyring = Keyring(RsaKey.Value);
        var signed = RsaKey.Value.ClearSign("{\n \"a\": 1\n}");
        Verify(signed, keyring);
        var added = signed.Replace("}\n-----BEGIN PGP SIGNATURE-----", "}\n\n-----BEGIN PGP SIGNATURE-----", StringComparison.Ordinal);
        Assert.Throws<SignatureInvalidException>(() => Verify(added, keyring));
        var trailingSpace = signed.Replace("}\n-----BEGIN PGP SIGNATURE-----", "}  \n-----BEGIN PGP SIGNATURE-----", StringComparison.Ordinal);
        Verify(trailingSpace, keyring); // trailing whitespace is not signed
    }

    [Fact]
    public void Dash_escaped_lines_verify_and_parse_unescaped_and_a_changed_one_is_refused()
    {
        var keyring = Keyring(RsaKey.Value);
        var json = "{\n \"format\": \"products:1.0\",\n \"values\": [\n-1,\n-2\n ]\n}";
        var signed = RsaKey.Value.ClearSign(json);
        Assert.Contains("\n- -1,\n- -2\n", signed, StringComparison.Ordinal);
        var raw = Encoding.UTF8.GetBytes(signed);
        SignerInfo? signer = null;
        using var document = MetadataDocument.Parse("doc.sjson", new Uri("file:///doc.sjson"), raw,
            m => signer = SignatureVerifier.VerifyClearSigned(m, MaasImages.Engine.Security.Keyring.Load(keyring), "doc.sjson"));
        Assert.Equal(RsaKey.Value.KeyId, signer!.KeyId);
        Assert.Equal([-1, -2], document.Json.RootElement.GetProperty("values").EnumerateArray().Select(v => v.GetInt32()));

        Assert.Throws<SignatureInvalidException>(() => Verify(signed.Replace("- -2", "- -3", StringComparison.Ordinal), keyring));
        var unescaped = Assert.Throws<MalformedDocumentException>(() => Verify(signed.Replace("- -2", "-2", StringComparison.Ordinal), keyring));
        Assert.Contains("not dash-escaped", unescaped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_signed_document_that_is_not_utf8_is_refused_naming_the_byte()
    {
        var signed = Encoding.UTF8.GetBytes(ClearSignedMessageTests.Armor("{\n \"a\": \"xx\"\n}"));
        var at = signed.AsSpan().IndexOf("xx"u8);
        signed[at] = 0xFF;
        var error = Assert.Throws<MalformedDocumentException>(() => MetadataDocument.Parse("doc.sjson", new Uri("file:///doc.sjson"), signed));
        Assert.Contains($"not valid UTF-8 (byte {at})", error.Message, StringComparison.Ordinal);
    }
}
