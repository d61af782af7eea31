using System.Diagnostics;
using System.Security.Cryptography;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Tests.Support;
using MaasImages.Engine.Transfer;
using MaasImages.TestServer;

namespace MaasImages.Engine.Tests.Transfer;

/// <summary>
/// README promises of the download engine not shown elsewhere: progress is reported at most four
/// times a second (the bar of a multi-GB download must not flood the host); 408 and any 5xx are
/// retried, 401 is not (503/429 with Retry-After, 403 and 404: TransferEngineTests).
/// </summary>
public sealed class TransferPromiseTests : IAsyncLifetime
{
    private const int Size = 1024 * 1024;
    private readonly TempStream _served = new();
    private readonly TempStream _target = new();
    private StreamServer _server = null!;
    private string _sha256 = "";

    public async Task InitializeAsync() => (_server, _sha256) = await ServedRandomFile.StartAsync(_served.Root, Size, seed: 7);

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _served.Dispose();
        _target.Dispose();
    }

    private static TransferOptions Options => new() { RetryBaseDelay = TimeSpan.FromMilliseconds(20), StallTimeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task Progress_is_reported_at_most_four_times_a_second_and_ends_completed()
    {
        // ~1.5 s of download at 700 KB/s: a reporter without the pace would report hundreds of times.
        _server.Faults.Add("images/squashfs", Fault.Throttle(700 * 1024));
        var observer = new RecordingObserver();
        var item = new DownloadItem(new Uri(_server.BaseUri, "images/squashfs"), _sha256, Size, Path.Combine(_target.Root, "cache", _sha256), "images/squashfs");
        var clock = Stopwatch.StartNew();
        await new TransferEngine(Options, observer).RunAsync([item], CancellationToken.None);
        var elapsed = clock.Elapsed;

        var reports = observer.Snapshots.ToList();
        Assert.True(reports[^1].Completed, "the last report is the completed one");
        Assert.Equal(1, reports.Count(r => r.Completed));
        // Ticks every 250 ms at most (however late the machine runs them), plus the closing report.
        var allowed = (int)(elapsed.TotalMilliseconds / 250) + 1;
        Assert.True(reports.Count <= allowed, $"{reports.Count} progress reports in {elapsed.TotalMilliseconds:F0} ms (at most {allowed})");
    }

    private DownloadItem Item() =>
        new(new Uri(_server.BaseUri, "images/squashfs"), _sha256, Size, Path.Combine(_target.Root, "cache", _sha256), "images/squashfs");

    [Theory]
    [InlineData(408)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(504)]
    public async Task Request_timeouts_and_server_errors_are_retried(int status)
    {
        _server.Faults.Add("images/squashfs", Fault.Status(status));
        var result = Assert.Single(await new TransferEngine(Options, new RecordingObserver()).RunAsync([Item()], CancellationToken.None));
        Assert.Equal(2, result.Attempts);
        Assert.Equal(_sha256, Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Item().Destination))).ToLowerInvariant());
    }

    [Fact]
    public async Task Unauthorized_is_not_retried()
    {
        _server.Faults.Add("images/squashfs", Fault.Status(401), count: -1);
        var error = await Assert.ThrowsAsync<DownloadFailedException>(() => new TransferEngine(Options, new RecordingObserver()).RunAsync([Item()], CancellationToken.None));
        Assert.Contains("401", error.Message, StringComparison.Ordinal);
        Assert.Single(_server.Requests);
        Assert.False(File.Exists(Item().Destination));
    }
}
