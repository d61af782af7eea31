using MaasImages.Engine.Errors;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Tests.Support;

namespace MaasImages.Engine.Tests.Streams;

/// <summary>
/// Item paths and sha256 values are checked on the document's bytes when they are plain strings,
/// and read as strings when they are written with escapes: either way the same values pass and the
/// same are refused (an escaped "../" climbs out just as well).
/// </summary>
public sealed class ItemValueBytesTests
{
    private const string Marker = "VALUE-MARKER";

    /// <summary>The sample stream with the first boot-kernel's <paramref name="field"/> written as <paramref name="rawJson"/>, exactly.</summary>
    private static async Task<IReadOnlyList<MaasImageVersion>> ReadWith(string field, string rawJson)
    {
        using var temp = TempStream.OfSample();
        temp.EditJson(TempStream.V3Products, doc =>
        {
            var product = doc["products"]!.AsObject().First().Value!.AsObject();
            product["versions"]!.AsObject().First().Value!["items"]!["boot-kernel"]![field] = Marker;
        });
        temp.Write(TempStream.V3Products, temp.Read(TempStream.V3Products).Replace($"\"{Marker}\"", rawJson, StringComparison.Ordinal));
        var stream = await StreamClient.OpenAsync(StreamSource.Resolve(null, temp.Root), true, CancellationToken.None);
        var content = stream.Contents.Single(c => c.ContentId.EndsWith(":v3:download", StringComparison.Ordinal));
        return await StreamClient.GetImageVersionsAsync(stream, content, new ImageQuery(), CancellationToken.None);
    }

    private static MaasImageFile Kernel(IReadOnlyList<MaasImageVersion> versions) =>
        versions.SelectMany(v => v.Files).Single(f => f.Path.StartsWith("escaped/", StringComparison.Ordinal) || f.Sha256.StartsWith("abcdef", StringComparison.Ordinal));

    [Theory]
    [InlineData("\"\\u002e\\u002e/\\u002e\\u002e/x\"", "../../x")]
    [InlineData("\"jammy\\/..\\/..\\/x\"", "jammy/../../x")]
    [InlineData("\"a/b\u0085c\"", "it contains the control character U+0085")]
    [InlineData("\"a/b.\"", "it ends with a dot")]
    [InlineData("\"/\\u0065tc\"", "it is absolute")]
    public async Task An_unsafe_path_is_refused_however_it_is_written(string rawJson, string expected)
    {
        var error = await Assert.ThrowsAsync<UnsafePathException>(() => ReadWith("path", rawJson));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_escaped_safe_path_is_read_unescaped()
    {
        var versions = await ReadWith("path", "\"escaped\\/k\\u00e9rnel\"");
        Assert.Equal("escaped/kérnel", Kernel(versions).Path);
    }

    [Fact]
    public async Task An_escaped_sha256_is_read_unescaped_and_a_non_hex_one_refused()
    {
        var hex = "abcdef" + new string('0', 57);
        var versions = await ReadWith("sha256", $"\"\\u0061{hex[1..]}1\"");
        Assert.Equal(hex + "1", Kernel(versions).Sha256);

        foreach (var bad in new[] { $"\"{hex}g\"", $"\"{hex}\\u0067\"", $"\"{hex}\"", "12345", "true" })
        {
            var error = await Assert.ThrowsAsync<MalformedDocumentException>(() => ReadWith("sha256", bad));
            Assert.Contains("invalid sha256", error.Message, StringComparison.Ordinal);
        }
        var missing = await Assert.ThrowsAsync<MissingChecksumException>(() => ReadWith("sha256", "null"));
        Assert.Contains("no sha256", missing.Message, StringComparison.Ordinal);
    }
}
