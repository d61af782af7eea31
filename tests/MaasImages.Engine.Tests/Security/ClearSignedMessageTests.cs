using System.Text;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Security;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Tests.Support;

namespace MaasImages.Engine.Tests.Security;

public sealed class ClearSignedMessageTests
{
    /// <summary>Wraps a body in cleartext-signature armor the way gpg --clearsign does (signature bytes are fake here).</summary>
    internal static string Armor(string body, string newline = "\n")
    {
        var lines = body.Split('\n').Select(l => l.StartsWith('-') ? "- " + l : l);
        return string.Join(newline, new[] { "-----BEGIN PGP SIGNED MESSAGE-----", "Hash: SHA512", "" }
            .Concat(lines)
            .Concat(["-----BEGIN PGP SIGNATURE-----", "", "iQIzBAEBCgAdFiEEfakefakefake=", "=abcd", "-----END PGP SIGNATURE-----", ""]));
    }

    [Fact]
    public void Body_headers_and_signature_are_separated_and_dash_escaping_undone()
    {
        var message = ClearSignedMessage.Parse(Armor("{\n\"a\": \"-x\"\n}\n-- not json, escaped\nlast"), "doc.sjson");
        Assert.Equal(["SHA512"], message.Hashes);
        Assert.Equal(["{", "\"a\": \"-x\"", "}", "-- not json, escaped", "last"], message.BodyLines);
        Assert.Equal(4, message.FirstBodyLine);
        Assert.StartsWith("-----BEGIN PGP SIGNATURE-----", message.SignatureArmor, StringComparison.Ordinal);
        Assert.EndsWith("-----END PGP SIGNATURE-----", message.SignatureArmor, StringComparison.Ordinal);
    }

    [Fact]
    public void Crlf_documents_parse_the_same()
    {
        var message = ClearSignedMessage.Parse(Armor("{\n}", "\r\n"), "doc.sjson");
        Assert.Equal(["{", "}"], message.BodyLines);
    }

    [Theory]
    [InlineData("{}", "expected")]
    [InlineData("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n{}\n", "no '-----BEGIN PGP SIGNATURE-----'")]
    [InlineData("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n{}\n-----BEGIN PGP SIGNATURE-----\n\nabc\n", "truncated armor")]
    [InlineData("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n-x\n-----BEGIN PGP SIGNATURE-----\n-----END PGP SIGNATURE-----\n", "dash-escaped")]
    public void Broken_armor_is_malformed(string text, string expected)
    {
        var error = Assert.Throws<MalformedDocumentException>(() => ClearSignedMessage.Parse(text, "doc.sjson"));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signed_index_and_products_are_read_and_reported_signed_but_not_checked()
    {
        using var temp = TempStream.OfSample();
        // index.sjson lists .sjson documents, like images.maas.io.
        var index = temp.Read(TempStream.Index).Replace(".json\"", ".sjson\"", StringComparison.Ordinal);
        temp.Write("streams/v1/index.sjson", Armor(index));
        foreach (var doc in new[] { TempStream.V3Products, TempStream.CentosProducts, TempStream.BootloaderProducts })
            temp.Write(Path.ChangeExtension(doc, ".sjson"), Armor(temp.Read(doc)));

        // The armor here carries no real signature: read it unverified.
        var stream = await StreamClient.OpenAsync(StreamSource.Resolve(null, temp.Root), true, CancellationToken.None);
        Assert.Equal("streams/v1/index.sjson", stream.IndexPath);
        Assert.True(stream.Signed);
        Assert.Equal(StreamSignatureStatus.Skipped, stream.SignatureStatus);
        Assert.All(stream.Contents, c => Assert.EndsWith(".sjson", c.Path, StringComparison.Ordinal));

        var v3 = stream.Contents.Single(c => c.ContentId.EndsWith(":v3:download", StringComparison.Ordinal));
        var images = await StreamClient.GetImageVersionsAsync(stream, v3, new ImageQuery(), CancellationToken.None);
        Assert.Equal(18, images.Count);

        var error = await Assert.ThrowsAsync<SignatureInvalidException>(() => StreamClient.OpenAsync(StreamSource.Resolve(null, temp.Root), SampleKeyring.Options, CancellationToken.None));
        Assert.Equal("SignatureInvalid", error.ErrorId);
    }

    [Fact]
    public async Task A_json_error_inside_a_signed_document_points_at_the_file_line()
    {
        using var temp = new TempStream();
        temp.Write("streams/v1/index.sjson", Armor("{\n\"format\": \"index:1.0\",\n\"index\": {,}\n}"));
        var error = await Assert.ThrowsAsync<MalformedDocumentException>(() =>
            StreamClient.OpenAsync(StreamSource.Resolve(null, temp.Root), true, CancellationToken.None));
        Assert.Contains("line 6", error.Message, StringComparison.Ordinal); // 3 armor lines + body line 3
    }

    [Fact]
    public void Looks_signed_ignores_a_bom_and_leading_blank_lines()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("\r\n-----BEGIN PGP SIGNED MESSAGE-----\n")).ToArray();
        Assert.True(ClearSignedMessage.LooksSigned(bytes));
        Assert.False(ClearSignedMessage.LooksSigned("{\"format\": \"index:1.0\"}"u8));
    }
}
