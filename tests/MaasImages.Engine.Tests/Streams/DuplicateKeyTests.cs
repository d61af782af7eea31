using MaasImages.Engine.Errors;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Tests.Support;

namespace MaasImages.Engine.Tests.Streams;

/// <summary>A key twice in one object makes a document mean different things to different parsers: refused, naming key and line.</summary>
public sealed class DuplicateKeyTests
{
    private const string V3Product = "\"com.ubuntu.maas.stable:v3:boot:22.04:amd64:ga-22.04\": {";

    private static async Task<IReadOnlyList<MaasImageVersion>> ReadAll(TempStream temp)
    {
        var stream = await StreamClient.OpenAsync(StreamSource.Resolve(null, temp.Root), true, CancellationToken.None);
        var all = new List<MaasImageVersion>();
        foreach (var content in stream.Contents.Where(c => c.IsSupportedFormat))
            all.AddRange(await StreamClient.GetImageVersionsAsync(stream, content, new ImageQuery(), CancellationToken.None));
        return all;
    }

    private static int LineOf(string text, string needle, int occurrence)
    {
        int at = -1;
        for (int i = 0; i < occurrence; i++) at = text.IndexOf(needle, at + 1, StringComparison.Ordinal);
        return text[..at].Count(c => c == '\n') + 1;
    }

    [Fact]
    public async Task Two_products_with_one_name_are_malformed_naming_the_key_and_line()
    {
        using var temp = TempStream.OfSample();
        var text = temp.Read(TempStream.V3Products);
        // A second, different product under the same name, before the real one.
        var edited = text.Replace("\"products\": {", "\"products\": {\n  " + V3Product + " \"arch\": \"evil\"},", StringComparison.Ordinal);
        temp.Write(TempStream.V3Products, edited);

        var error = await Assert.ThrowsAsync<MalformedDocumentException>(() => ReadAll(temp));
        Assert.Equal("MalformedDocument", error.ErrorId);
        Assert.Contains("com.ubuntu.maas:stable:v3:download.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"com.ubuntu.maas.stable:v3:boot:22.04:amd64:ga-22.04\" twice", error.Message, StringComparison.Ordinal);
        Assert.Contains($"(line {LineOf(edited, V3Product, 2)})", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_items_entries_with_one_key_are_malformed()
    {
        using var temp = TempStream.OfSample();
        var text = temp.Read(TempStream.V3Products);
        var edited = text.Replace("\"items\": {", "\"items\": {\n\"squashfs\": {\"path\": \"x\", \"size\": 1, \"sha256\": \"" + new string('0', 64) + "\"},",
            StringComparison.Ordinal);
        temp.Write(TempStream.V3Products, edited);
        var error = await Assert.ThrowsAsync<MalformedDocumentException>(() => ReadAll(temp));
        Assert.Contains("\"squashfs\" twice", error.Message, StringComparison.Ordinal);
        Assert.Contains($"(line {LineOf(edited, "\"squashfs\": {", 2)})", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_duplicate_spelled_with_a_json_escape_is_still_a_duplicate()
    {
        using var temp = TempStream.OfSample();
        var text = temp.Read(TempStream.V3Products);
        temp.Write(TempStream.V3Products, text.Replace("\"format\": \"products:1.0\",", "\"format\": \"products:1.0\",\n \"form\\u0061t\": \"products:1.0\",",
            StringComparison.Ordinal));
        var error = await Assert.ThrowsAsync<MalformedDocumentException>(() => ReadAll(temp));
        Assert.Contains("\"format\" twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_duplicate_content_id_in_the_index_is_malformed()
    {
        using var temp = TempStream.OfSample();
        var text = temp.Read(TempStream.Index);
        var entry = "\"com.ubuntu.maas:stable:v3:download\": {";
        var edited = text.Replace("\"index\": {", "\"index\": {\n  " + entry + "\"format\": \"products:1.0\", \"path\": \"streams/v1/other.json\"},", StringComparison.Ordinal);
        temp.Write(TempStream.Index, edited);
        var error = await Assert.ThrowsAsync<MalformedDocumentException>(() =>
            StreamClient.OpenAsync(StreamSource.Resolve(null, temp.Root), true, CancellationToken.None));
        Assert.Contains("streams/v1/index.json", error.Message, StringComparison.Ordinal);
        Assert.Contains($"(line {LineOf(edited, entry, 2)})", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Objects_with_many_keys_are_checked_past_the_first_few()
    {
        using var temp = TempStream.OfSample();
        var text = temp.Read(TempStream.V3Products);
        var many = string.Concat(Enumerable.Range(0, 40).Select(i => $"\"extra{i}\": \"x\", ")) + "\"extra33\": \"again\", ";
        temp.Write(TempStream.V3Products, text.Replace("\"format\": \"products:1.0\",", "\"format\": \"products:1.0\", " + many, StringComparison.Ordinal));
        var error = await Assert.ThrowsAsync<MalformedDocumentException>(() => ReadAll(temp));
        Assert.Contains("\"extra33\" twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_same_key_in_sibling_objects_is_fine()
    {
        using var temp = TempStream.OfSample();
        Assert.Equal(32, (await ReadAll(temp)).Count); // every version has "items", "boot-kernel", "path"... in its own object
    }
}
