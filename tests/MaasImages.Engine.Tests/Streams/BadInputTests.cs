using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Tests.Support;
using MaasImages.TestServer;

namespace MaasImages.Engine.Tests.Streams;

/// <summary>Every way a stream can be wrong ends in a typed error with a stable id, naming what is wrong.</summary>
public sealed class BadInputTests
{
    // Edited copies are unsigned: read them as a user would, with -SkipSignatureCheck.
    private static Task<MaasStream> Open(string source) => StreamClient.OpenAsync(StreamSource.Resolve(null, source), true, CancellationToken.None);

    private static async Task<IReadOnlyList<MaasImageVersion>> ReadV3(TempStream temp)
    {
        var stream = await Open(temp.Root);
        return await StreamClient.GetImageVersionsAsync(stream, stream.Contents.Single(c => c.ContentId.EndsWith(":v3:download", StringComparison.Ordinal)),
            new ImageQuery(), CancellationToken.None);
    }

    private static JsonObject FirstItem(JsonObject doc, string itemName = "boot-kernel")
    {
        var product = doc["products"]!.AsObject().First().Value!.AsObject();
        var version = product["versions"]!.AsObject().First().Value!.AsObject();
        return version["items"]![itemName]!.AsObject();
    }

    [Fact]
    public async Task Truncated_products_json_is_malformed_with_file_line_and_position()
    {
        using var temp = TempStream.OfSample();
        var text = temp.Read(TempStream.V3Products);
        temp.Write(TempStream.V3Products, text[..(text.Length / 2)]);

        var error = await Assert.ThrowsAsync<MalformedDocumentException>(() => ReadV3(temp));
        Assert.Equal("MalformedDocument", error.ErrorId);
        Assert.Contains("com.ubuntu.maas:stable:v3:download.json", error.Message, StringComparison.Ordinal);
        Assert.Matches(@"line \d+, position \d+", error.Message);
    }

    [Fact]
    public async Task Truncated_index_is_malformed()
    {
        using var temp = TempStream.OfSample();
        temp.Write(TempStream.Index, "{\"format\": \"index:1.0\", \"index\": {");
        var error = await Assert.ThrowsAsync<MalformedDocumentException>(() => Open(temp.Root));
        Assert.Contains("streams/v1/index.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("line 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_products_document_given_as_the_index_has_the_wrong_format()
    {
        var error = await Assert.ThrowsAsync<UnsupportedFormatException>(() =>
            Open(Path.Combine(RepoPaths.SampleStream, "streams", "v1", "com.ubuntu.maas:stable:v3:download.json")));
        Assert.Equal("UnsupportedDocumentFormat", error.ErrorId);
        Assert.Contains("'products:1.0', expected 'index:1.0'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_products_document_with_a_wrong_format_is_refused()
    {
        using var temp = TempStream.OfSample();
        temp.EditJson(TempStream.V3Products, doc => doc["format"] = "products:2.0");
        var error = await Assert.ThrowsAsync<UnsupportedFormatException>(() => ReadV3(temp));
        Assert.Contains("products:2.0", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("jammy/../../../x")]
    [InlineData("/etc/shadow")]
    [InlineData("jammy\\amd64\\boot-kernel")]
    [InlineData("C:/Windows/x")]
    [InlineData("jammy//boot-kernel")]
    public async Task An_unsafe_item_path_refuses_the_document_naming_document_and_path(string path)
    {
        using var temp = TempStream.OfSample();
        temp.EditJson(TempStream.V3Products, doc => FirstItem(doc)["path"] = path);
        var error = await Assert.ThrowsAsync<UnsafePathException>(() => ReadV3(temp));
        Assert.Equal("UnsafePath", error.ErrorId);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("com.ubuntu.maas:stable:v3:download.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unsafe_products_path_in_the_index_is_refused()
    {
        using var temp = TempStream.OfSample();
        temp.EditJson(TempStream.Index, doc => doc["index"]!.AsObject().First().Value!["path"] = "../outside.json");
        var error = await Assert.ThrowsAsync<UnsafePathException>(() => Open(temp.Root));
        Assert.Contains("../outside.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("streams/v1/index.json", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sha256", "no sha256")]
    [InlineData("size", "no size")]
    public async Task An_item_without_checksum_or_size_is_refused(string field, string expected)
    {
        using var temp = TempStream.OfSample();
        temp.EditJson(TempStream.V3Products, doc => FirstItem(doc).Remove(field));
        var error = await Assert.ThrowsAsync<MissingChecksumException>(() => ReadV3(temp));
        Assert.Equal("MissingChecksum", error.ErrorId);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_sha256_is_malformed()
    {
        using var temp = TempStream.OfSample();
        temp.EditJson(TempStream.V3Products, doc => FirstItem(doc)["sha256"] = "xyz");
        var error = await Assert.ThrowsAsync<MalformedDocumentException>(() => ReadV3(temp));
        Assert.Contains("invalid sha256", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_without_an_index_is_stream_not_found()
    {
        using var temp = new TempStream();
        var error = await Assert.ThrowsAsync<StreamNotFoundException>(() => Open(temp.Root));
        Assert.Equal("StreamNotFound", error.ErrorId);
        Assert.Contains("index.sjson or streams/v1/index.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http_404_on_the_index_is_stream_not_found()
    {
        await using var server = await StreamServer.StartAsync(RepoPaths.SampleStream);
        var error = await Assert.ThrowsAsync<StreamNotFoundException>(() => Open(new Uri(server.BaseUri, "nosuchstream/").AbsoluteUri));
        Assert.Contains("nosuchstream", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http_404_on_a_listed_products_document_is_document_not_found()
    {
        using var temp = TempStream.OfSample();
        temp.Delete(TempStream.V3Products);
        await using var server = await StreamServer.StartAsync(temp.Root);
        var stream = await Open(server.BaseUri.AbsoluteUri);
        var content = stream.Contents.Single(c => c.ContentId.EndsWith(":v3:download", StringComparison.Ordinal));
        var error = await Assert.ThrowsAsync<DocumentNotFoundException>(() =>
            StreamClient.GetImageVersionsAsync(stream, content, new ImageQuery(), CancellationToken.None));
        Assert.Equal("DocumentNotFound", error.ErrorId);
        Assert.Contains("com.ubuntu.maas:stable:v3:download", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http_500_is_an_http_error_with_the_status()
    {
        await using var server = await StreamServer.StartAsync(RepoPaths.SampleStream);
        server.Faults.Add("*index.sjson", Fault.Status(500), count: -1);
        var error = await Assert.ThrowsAsync<HttpStatusException>(() => Open(server.BaseUri.AbsoluteUri));
        Assert.Equal(500, error.StatusCode);
        Assert.Equal("HttpError", error.ErrorId);
    }

    [Fact]
    public async Task Connection_refused_is_source_unreachable()
    {
        // A port that was free a moment ago: nothing listens there.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var error = await Assert.ThrowsAsync<SourceUnreachableException>(() => Open($"http://127.0.0.1:{port}/stable/"));
        Assert.Equal("SourceUnreachable", error.ErrorId);
        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stalled_server_is_cancelled_promptly()
    {
        await using var server = await StreamServer.StartAsync(RepoPaths.SampleStream);
        server.Faults.Add("*index.sjson", Fault.Stall(0, TimeSpan.FromMinutes(5)), count: -1);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            StreamClient.OpenAsync(StreamSource.Resolve(null, server.BaseUri.AbsoluteUri), true, cts.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"cancellation took {watch.Elapsed}");
    }

    [Fact]
    public async Task Unknown_content_ids_and_formats_are_listed_but_not_fatal()
    {
        using var temp = TempStream.OfSample();
        temp.EditJson(TempStream.Index, doc =>
        {
            doc["index"]!["com.example:future:v9:thing"] = new JsonObject { ["format"] = "products:1.0", ["path"] = "streams/v1/future.json", ["products"] = new JsonArray("x") };
            doc["index"]!["com.ubuntu.maas:stable:v4:download"] = new JsonObject { ["format"] = "products:9.0", ["path"] = "streams/v1/v4.json" };
        });
        var stream = await Open(temp.Root);
        Assert.Equal(MaasContentKind.Unknown, stream.Contents.Single(c => c.ContentId == "com.example:future:v9:thing").Kind);
        var v4 = stream.Contents.Single(c => c.ContentId == "com.ubuntu.maas:stable:v4:download");
        Assert.Equal(MaasContentKind.Images, v4.Kind);
        Assert.False(v4.IsSupportedFormat);
    }

    [Theory]
    [InlineData("no-operator")]
    [InlineData("=value")]
    [InlineData("key~[unclosed")]
    [InlineData("")]
    public void Bad_filter_expressions_are_invalid_filter(string text)
    {
        var error = Assert.Throws<InvalidArgumentException>(() => FilterExpression.Parse(text));
        Assert.Equal("InvalidFilter", error.ErrorId);
    }

    [Theory]
    [InlineData("ftp://example.com/stream")]
    public void Unsupported_source_schemes_are_invalid_source(string source)
    {
        var error = Assert.Throws<InvalidArgumentException>(() => StreamSource.Resolve(null, source));
        Assert.Equal("InvalidSource", error.ErrorId);
    }

    [Theory]
    [InlineData("../stable")]
    [InlineData("a/b")]
    [InlineData("stable candidate")]
    public void Bad_stream_names_are_refused(string name)
    {
        var error = Assert.Throws<InvalidArgumentException>(() => StreamSource.Resolve(name, null));
        Assert.Equal("InvalidStreamName", error.ErrorId);
    }
}
