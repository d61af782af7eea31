using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using MaasImages.TestServer;

namespace MaasImages.Engine.Tests;

/// <summary>The test server itself, driven over loopback with a real HttpClient.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Disposed in IAsyncLifetime.DisposeAsync.")]
public sealed class TestServerTests : IAsyncLifetime
{
    private const string IndexPath = "streams/v1/com.ubuntu.maas:stable:v3:download.json";
    private const string ImagePath = "images/boot.squashfs";
    private const int ImageSize = 300_000;

    private readonly string _temp = Path.Combine(Path.GetTempPath(), "maasimages-testserver", Guid.NewGuid().ToString("N"));
    private readonly byte[] _image = new byte[ImageSize];
    private readonly byte[] _index = Encoding.UTF8.GetBytes("{\"format\":\"products:1.0\"}");
    private readonly HttpClient _client = new(new SocketsHttpHandler { UseProxy = false, AutomaticDecompression = DecompressionMethods.None });
    private StreamServer _server = null!;

    private string Root => Path.Combine(_temp, "root");

    public async Task InitializeAsync()
    {
        new Random(42).NextBytes(_image);
        Directory.CreateDirectory(Path.Combine(Root, "streams", "v1"));
        Directory.CreateDirectory(Path.Combine(Root, "images"));
        await File.WriteAllBytesAsync(Path.Combine(Root, IndexPath), _index);
        await File.WriteAllBytesAsync(Path.Combine(Root, ImagePath), _image);
        // Outside the root: must never be served.
        await File.WriteAllTextAsync(Path.Combine(_temp, "secret.txt"), "TOP-SECRET");
        _server = await StreamServer.StartAsync(Root);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_temp, recursive: true);
    }

    private Uri Url(string relative) => new(_server.BaseUri, relative);

    private Task<HttpResponseMessage> GetAsync(string relative, Action<HttpRequestHeaders>? headers = null, HttpMethod? method = null)
    {
        var request = new HttpRequestMessage(method ?? HttpMethod.Get, Url(relative));
        headers?.Invoke(request.Headers);
        return _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    /// <summary>Reads a body until it ends or the connection breaks; returns the bytes and the error, if any.</summary>
    private static async Task<(byte[] Body, Exception? Error)> ReadAllAsync(HttpResponseMessage response)
    {
        var received = new MemoryStream();
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync();
            await body.CopyToAsync(received);
            return (received.ToArray(), null);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            return (received.ToArray(), ex);
        }
    }

    // ---- normal behaviour ----

    [Fact]
    public async Task Get_ServesFileWithColonsAndValidators()
    {
        Assert.Equal("127.0.0.1", _server.BaseUri.Host);
        Assert.EndsWith("/", _server.BaseUri.AbsoluteUri);

        using var response = await GetAsync(IndexPath);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(_index, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(_index.Length, response.Content.Headers.ContentLength);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["bytes"], response.Headers.AcceptRanges);
        Assert.NotNull(response.Headers.ETag);
        Assert.False(response.Headers.ETag!.IsWeak);
        Assert.NotNull(response.Content.Headers.LastModified);

        var record = Assert.Single(_server.Requests);
        Assert.Equal(new RequestRecord("GET", "/" + IndexPath, null, null, 200, _index.Length, null), record);
        Assert.Equal(_index.Length, _server.BytesSent);
    }

    [Fact]
    public async Task Head_SendsHeadersOnly_AndIgnoresRange()
    {
        using var response = await GetAsync(ImagePath, h => h.Range = new RangeHeaderValue(0, 9), HttpMethod.Head);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ImageSize, response.Content.Headers.ContentLength);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(0, _server.BytesSent);
        Assert.Equal("HEAD", Assert.Single(_server.Requests).Method);
    }

    [Theory]
    [InlineData("bytes=10-19", 10, 19)]
    [InlineData("bytes=299990-", 299_990, ImageSize - 1)]
    [InlineData("bytes=-100", ImageSize - 100, ImageSize - 1)]
    [InlineData("bytes=-999999", 0, ImageSize - 1)]
    [InlineData("bytes=5-999999999", 5, ImageSize - 1)]
    public async Task Range_Returns206WithContentRange(string range, long from, long to)
    {
        using var response = await GetAsync(ImagePath, h => h.TryAddWithoutValidation("Range", range));

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(new ContentRangeHeaderValue(from, to, ImageSize), response.Content.Headers.ContentRange);
        Assert.Equal(_image[(int)from..(int)(to + 1)], await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(to - from + 1, _server.BytesSent);
    }

    [Theory]
    [InlineData("bytes=300000-")]
    [InlineData("bytes=400000-400010")]
    [InlineData("bytes=-0")]
    public async Task Range_Unsatisfiable_Returns416(string range)
    {
        using var response = await GetAsync(ImagePath, h => h.TryAddWithoutValidation("Range", range));

        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        Assert.Equal("bytes */300000", response.Content.Headers.GetValues("Content-Range").Single());
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("bytes=0-1,5-6")] // multi-range: the whole file is an allowed answer
    [InlineData("bytes=abc")]
    [InlineData("items=0-10")]
    public async Task Range_MalformedOrMulti_ReturnsWholeFile(string range)
    {
        using var response = await GetAsync(ImagePath, h => h.TryAddWithoutValidation("Range", range));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ImageSize, (await response.Content.ReadAsByteArrayAsync()).Length);
    }

    [Fact]
    public async Task IfRange_MatchingValidators_KeepTheRange_MismatchesReturnWholeFile()
    {
        using var first = await GetAsync(ImagePath, method: HttpMethod.Head);
        var etag = first.Headers.ETag!;
        var lastModified = first.Content.Headers.LastModified!.Value;

        async Task<HttpStatusCode> StatusWith(string ifRange)
        {
            using var response = await GetAsync(ImagePath, h =>
            {
                h.Range = new RangeHeaderValue(100, null);
                h.TryAddWithoutValidation("If-Range", ifRange);
            });
            var body = await response.Content.ReadAsByteArrayAsync();
            Assert.Equal(response.StatusCode == HttpStatusCode.OK ? ImageSize : ImageSize - 100, body.Length);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.PartialContent, await StatusWith(etag.Tag));
        Assert.Equal(HttpStatusCode.PartialContent, await StatusWith(lastModified.ToString("R")));
        Assert.Equal(HttpStatusCode.OK, await StatusWith("\"something-else\""));
        Assert.Equal(HttpStatusCode.OK, await StatusWith("W/" + etag.Tag)); // weak never matches
        Assert.Equal(HttpStatusCode.OK, await StatusWith(lastModified.AddDays(-1).ToString("R")));
        Assert.Equal(HttpStatusCode.OK, await StatusWith("garbage"));
    }

    [Fact]
    public async Task ETag_ChangesWhenTheFileChanges()
    {
        using var before = await GetAsync(ImagePath, method: HttpMethod.Head);
        File.SetLastWriteTimeUtc(Path.Combine(Root, ImagePath), DateTime.UtcNow.AddHours(-3));
        using var after = await GetAsync(ImagePath, method: HttpMethod.Head);

        Assert.NotEqual(before.Headers.ETag, after.Headers.ETag);
    }

    [Theory]
    [InlineData("missing.json")]
    [InlineData("streams/v1")] // a directory
    [InlineData("streams/v1/")]
    public async Task Missing_Returns404(string relative)
    {
        using var response = await GetAsync(relative);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task OtherMethods_Return405()
    {
        using var response = await _client.PostAsync(Url(ImagePath), new ByteArrayContent([1]));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Theory]
    [InlineData("/../secret.txt")]
    [InlineData("/images/../../secret.txt")]
    [InlineData("/%2e%2e/secret.txt")]
    [InlineData("/..%2fsecret.txt")]
    [InlineData("/..%5csecret.txt")]
    [InlineData("/images\\..\\..\\secret.txt")]
    [InlineData("//secret.txt")]
    public async Task Traversal_IsRefused(string target)
    {
        // HttpClient normalises dot segments, so speak HTTP over a raw socket to send the path as-is.
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _server.BaseUri.Port);
        await using var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
        string answer = await new StreamReader(stream, Encoding.ASCII).ReadToEndAsync();

        Assert.DoesNotContain("TOP-SECRET", answer);
        // 404 from the server, or 400 when Kestrel already rejects the request line; never 200.
        Assert.Matches(@"^HTTP/1\.1 (404|400) ", answer);
    }

    [Fact]
    public async Task LargeFile_IsStreamedCompletely()
    {
        // Bigger than several chunks and not a multiple of the chunk size.
        var big = new byte[(5 * 64 * 1024) + 123];
        new Random(7).NextBytes(big);
        await File.WriteAllBytesAsync(Path.Combine(Root, "images", "big.squashfs"), big);

        Assert.Equal(big, await _client.GetByteArrayAsync(Url("images/big.squashfs")));
        Assert.Equal(big.Length, _server.BytesSent);
    }

    // ---- faults ----

    [Theory]
    [InlineData(503, 7)]
    [InlineData(429, 2)]
    [InlineData(500, null)]
    [InlineData(404, null)]
    public async Task Status_AnswersOnce_WithRetryAfter(int code, int? retryAfter)
    {
        _server.Faults.Add("*squashfs", Fault.Status(code, retryAfter));

        using (var faulted = await GetAsync(ImagePath))
        {
            Assert.Equal((HttpStatusCode)code, faulted.StatusCode);
            Assert.Equal(retryAfter is null ? null : TimeSpan.FromSeconds(retryAfter.Value), faulted.Headers.RetryAfter?.Delta);
        }

        using var next = await GetAsync(ImagePath);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Empty(_server.Faults.Rules);
        Assert.Equal([code, 200], _server.Requests.Select(r => r.Status));
    }

    [Fact]
    public async Task Status_ForeverUntilCleared_AndCountsAreHonoured()
    {
        _server.Faults.Add(IndexPath, Fault.Status(503), count: -1);
        _server.Faults.Add("images/*", Fault.Status(500), count: 2);

        for (int i = 0; i < 3; i++)
        {
            using var index = await GetAsync(IndexPath);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, index.StatusCode);
        }

        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 3; i++)
        {
            using var image = await GetAsync(ImagePath);
            statuses.Add(image.StatusCode);
        }

        Assert.Equal([HttpStatusCode.InternalServerError, HttpStatusCode.InternalServerError, HttpStatusCode.OK], statuses);
        Assert.Equal(-1, Assert.Single(_server.Faults.Rules).Remaining);

        _server.Faults.Clear();
        using var cleared = await GetAsync(IndexPath);
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
    }

    [Fact]
    public async Task Glob_DoesNotMatchOtherFiles()
    {
        _server.Faults.Add("*squashfs", Fault.Status(503));

        using var index = await GetAsync(IndexPath);

        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Single(_server.Faults.Rules);
    }

    [Fact]
    public async Task DropAfter_SendsTrueLengthThenAborts()
    {
        _server.Faults.Add("*squashfs", Fault.DropAfter(1000));

        using var response = await GetAsync(ImagePath);
        Assert.Equal(ImageSize, response.Content.Headers.ContentLength);
        var (body, error) = await ReadAllAsync(response);

        Assert.NotNull(error);
        Assert.Equal(_image[..1000], body);
        var record = Assert.Single(_server.Requests);
        Assert.Equal((200, 1000L, "DropAfter(1000)"), (record.Status, record.BytesSent, record.Fault));

        // Resume from where it broke: the fault was used up.
        using var resumed = await GetAsync(ImagePath, h => h.Range = new RangeHeaderValue(1000, null));
        Assert.Equal(HttpStatusCode.PartialContent, resumed.StatusCode);
        Assert.Equal(_image[1000..], await resumed.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task DropAfter_OnARange_CountsBodyBytes()
    {
        _server.Faults.Add("*squashfs", Fault.DropAfter(500));

        using var response = await GetAsync(ImagePath, h => h.Range = new RangeHeaderValue(2000, null));
        var (body, error) = await ReadAllAsync(response);

        Assert.NotNull(error);
        Assert.Equal(_image[2000..2500], body);
    }

    [Fact]
    public async Task HeadAndMissingFiles_DoNotUseUpBodyFaults()
    {
        _server.Faults.Add("*", Fault.DropAfter(10));

        using (var head = await GetAsync(ImagePath, method: HttpMethod.Head))
        {
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        }

        using (var missing = await GetAsync("nope.squashfs"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        Assert.Equal(1, Assert.Single(_server.Faults.Rules).Remaining);
        using var get = await GetAsync(ImagePath);
        Assert.Equal(10, (await ReadAllAsync(get)).Body.Length);
    }

    [Fact]
    public async Task CorruptByte_FlipsOneByte_SizeUnchanged()
    {
        _server.Faults.Add(ImagePath, Fault.CorruptByte(70_000)); // past the first chunk

        var body = await _client.GetByteArrayAsync(Url(ImagePath));

        Assert.Equal(ImageSize, body.Length);
        var differences = Enumerable.Range(0, ImageSize).Where(i => body[i] != _image[i]).ToList();
        Assert.Equal([70_000], differences);
        Assert.Equal((byte)(_image[70_000] ^ 0xFF), body[70_000]);
        Assert.Equal(_image, await _client.GetByteArrayAsync(Url(ImagePath))); // once only
    }

    [Fact]
    public async Task CorruptByte_OffsetIsRelativeToTheBody()
    {
        _server.Faults.Add(ImagePath, Fault.CorruptByte(0));

        using var response = await GetAsync(ImagePath, h => h.Range = new RangeHeaderValue(100, 199));
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal((byte)(_image[100] ^ 0xFF), body[0]);
        Assert.Equal(_image[101..200], body[1..]);
    }

    [Fact]
    public async Task IgnoreRange_AnswersWholeFile()
    {
        _server.Faults.Add("*squashfs", Fault.IgnoreRange());

        using var response = await GetAsync(ImagePath, h => h.Range = new RangeHeaderValue(1000, null));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(response.Content.Headers.ContentRange);
        Assert.Equal(_image, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Stall_PausesThenFinishes()
    {
        _server.Faults.Add("*squashfs", Fault.Stall(1000, TimeSpan.FromMilliseconds(800)));
        var clock = Stopwatch.StartNew();

        using var response = await GetAsync(ImagePath);
        await using var body = await response.Content.ReadAsStreamAsync();
        var first = new byte[1000];
        await body.ReadExactlyAsync(first);
        var firstBytesAt = clock.Elapsed;
        var rest = new MemoryStream();
        await body.CopyToAsync(rest);

        Assert.Equal(_image[..1000], first);
        Assert.Equal(_image[1000..], rest.ToArray());
        Assert.True(clock.Elapsed - firstBytesAt >= TimeSpan.FromMilliseconds(700), $"stalled only {clock.Elapsed - firstBytesAt}");
    }

    [Fact]
    public async Task Stall_EndsWhenTheClientGivesUp()
    {
        _server.Faults.Add("*squashfs", Fault.Stall(0, TimeSpan.FromMinutes(10)));

        using (var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
        {
            using var response = await GetAsync(ImagePath); // headers arrive before the stall
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await using var body = await response.Content.ReadAsStreamAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await body.ReadExactlyAsync(new byte[10], timeout.Token));
        }

        // The server is still healthy and stops promptly.
        Assert.Equal(_image, await _client.GetByteArrayAsync(Url(ImagePath)));
        var clock = Stopwatch.StartNew();
        await _server.DisposeAsync();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"dispose took {clock.Elapsed}");
    }

    [Fact]
    public async Task WrongContentLength_Positive_DeclaresMoreThenEndsEarly()
    {
        _server.Faults.Add("*squashfs", Fault.WrongContentLength(+100));

        using var response = await GetAsync(ImagePath);
        Assert.Equal(ImageSize + 100, response.Content.Headers.ContentLength);
        var (body, error) = await ReadAllAsync(response);

        Assert.NotNull(error);
        Assert.Equal(_image, body);
    }

    [Fact]
    public async Task WrongContentLength_Negative_TruncatesSilently()
    {
        _server.Faults.Add("*squashfs", Fault.WrongContentLength(-100));

        using var response = await GetAsync(ImagePath);
        Assert.Equal(ImageSize - 100, response.Content.Headers.ContentLength);
        var (body, error) = await ReadAllAsync(response);

        Assert.Null(error);
        Assert.Equal(_image[..^100], body);
    }

    [Fact]
    public async Task Throttle_PacesTheBody()
    {
        _server.Faults.Add("*squashfs", Fault.Throttle(500_000));
        var clock = Stopwatch.StartNew();

        var body = await _client.GetByteArrayAsync(Url(ImagePath));

        Assert.Equal(_image, body);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(500), $"took only {clock.Elapsed}"); // 300 KB at 500 KB/s
    }

    [Fact]
    public async Task Throttle_LetsATestInterruptMidway()
    {
        _server.Faults.Add("*squashfs", Fault.Throttle(100_000));

        using (var response = await GetAsync(ImagePath))
        {
            await using var body = await response.Content.ReadAsStreamAsync();
            await body.ReadExactlyAsync(new byte[20_000]);
        } // client walks away mid-body

        var sent = _server.BytesSent;
        Assert.InRange(sent, 20_000, ImageSize - 1);
    }

    [Fact]
    public async Task Faults_Combine_ThrottleAndDrop()
    {
        _server.Faults.Add("*squashfs", Fault.Throttle(1_000_000));
        _server.Faults.Add("*squashfs", Fault.DropAfter(50_000));

        using var response = await GetAsync(ImagePath);
        var (body, error) = await ReadAllAsync(response);

        Assert.NotNull(error);
        Assert.Equal(50_000, body.Length);
        Assert.Equal("Throttle(1000000/s), DropAfter(50000)", Assert.Single(_server.Requests).Fault);
    }

    [Fact]
    public void FaultPlan_RejectsBadArguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _server.Faults.Add("*", Fault.IgnoreRange(), count: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Fault.Status(42));
        Assert.Throws<ArgumentOutOfRangeException>(() => Fault.Throttle(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Fault.DropAfter(-1));
    }

    [Fact]
    public async Task ResetCounters_ForgetsRequestsAndBytes()
    {
        await _client.GetByteArrayAsync(Url(IndexPath));
        Assert.NotEqual(0, _server.BytesSent);

        _server.ResetCounters();

        Assert.Equal(0, _server.BytesSent);
        Assert.Empty(_server.Requests);
    }

    // ---- control API ----

    [Fact]
    public async Task ControlApi_AddListUseClearFaults_AndStats()
    {
        using var added = await _client.PostAsync(Url("_control/faults"),
            new StringContent("""{"path":"*squashfs","kind":"DropAfter","bytes":1000,"count":2}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var rule = Assert.Single(_server.Faults.Rules);
        Assert.Equal((FaultKind.DropAfter, 1000L, 2), (rule.Fault.Kind, rule.Fault.Bytes, rule.Remaining));

        using (var listed = JsonDocument.Parse(await _client.GetStringAsync(Url("_control/faults"))))
        {
            Assert.Equal("DropAfter(1000)", listed.RootElement[0].GetProperty("fault").GetString());
        }

        using (var response = await GetAsync(ImagePath))
        {
            Assert.Equal(1000, (await ReadAllAsync(response)).Body.Length);
        }

        using (var stats = JsonDocument.Parse(await _client.GetStringAsync(Url("_control/stats"))))
        {
            Assert.Equal(1000, stats.RootElement.GetProperty("bytesSent").GetInt64());
            var request = Assert.Single(stats.RootElement.GetProperty("requests").EnumerateArray());
            Assert.Equal("/" + ImagePath, request.GetProperty("path").GetString());
            Assert.Equal(200, request.GetProperty("status").GetInt32());
            Assert.Equal(1000, request.GetProperty("bytesSent").GetInt64());
        }

        using var reset = await _client.PostAsync(Url("_control/reset"), null);
        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        Assert.Equal(0, _server.BytesSent);

        using var cleared = await _client.DeleteAsync(Url("_control/faults"));
        Assert.Equal(HttpStatusCode.NoContent, cleared.StatusCode);
        Assert.Empty(_server.Faults.Rules);
    }

    [Theory]
    [InlineData("""{"path":"a","kind":"Status","status":503,"retryAfter":3}""", "Status(503, retryAfter 3s)")]
    [InlineData("""{"path":"a","kind":"corruptbyte","offset":5}""", "CorruptByte(5)")]
    [InlineData("""{"path":"a","kind":"IgnoreRange"}""", "IgnoreRange")]
    [InlineData("""{"path":"a","kind":"Stall","bytes":10,"durationMs":250}""", "Stall(10, 250ms)")]
    [InlineData("""{"path":"a","kind":"WrongContentLength","delta":-3}""", "WrongContentLength(-3)")]
    [InlineData("""{"path":"a","kind":"Throttle","bytesPerSecond":1000}""", "Throttle(1000/s)")]
    public async Task ControlApi_ParsesEveryKind(string json, string expected)
    {
        using var added = await _client.PostAsync(Url("_control/faults"), new StringContent(json)); // any Content-Type

        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        Assert.Equal(expected, Assert.Single(_server.Faults.Rules).Fault.ToString());
    }

    [Theory]
    [InlineData("""{"path":"a","kind":"Bogus"}""")]
    [InlineData("""{"path":"a","kind":"DropAfter"}""")]
    [InlineData("""{"kind":"IgnoreRange"}""")]
    [InlineData("""{"path":"a","kind":"IgnoreRange","count":0}""")]
    [InlineData("not json")]
    public async Task ControlApi_RejectsBadRules(string json)
    {
        using var response = await _client.PostAsync(Url("_control/faults"), new StringContent(json));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("error", await response.Content.ReadAsStringAsync());
        Assert.Empty(_server.Faults.Rules);
    }

    [Fact]
    public async Task ControlRequests_AreNotRecorded()
    {
        await _client.GetStringAsync(Url("_control/stats"));
        using var unknown = await GetAsync("_control/nope");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Empty(_server.Requests);
    }

    // ---- standalone process ----

    [Fact]
    public async Task Standalone_PrintsAddress_ServesAndExitsOnStdinEof()
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "MaasImages.TestServer.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { dll, "--root", Root })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        try
        {
            var stderr = process.StandardError.ReadToEndAsync();
            string? first = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.NotNull(first);
            Assert.Matches(@"^Listening on http://127\.0\.0\.1:\d+/$", first);
            var baseUri = new Uri(first!["Listening on ".Length..]);

            Assert.Equal(_index, await _client.GetByteArrayAsync(new Uri(baseUri, IndexPath)));

            process.StandardInput.Close();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));
            Assert.Equal(0, process.ExitCode);
            Assert.Contains($"GET /{IndexPath} -> 200 {_index.Length} bytes", await stderr);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }
}
