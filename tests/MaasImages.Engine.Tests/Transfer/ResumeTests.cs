using System.Security.Cryptography;
using MaasImages.Engine.Tests.Support;
using MaasImages.Engine.Transfer;
using MaasImages.TestServer;

namespace MaasImages.Engine.Tests.Transfer;

/// <summary>Resuming a partial against servers with weak validators or that refuse the range.</summary>
public sealed class ResumeTests : IAsyncLifetime
{
    private const int Size = 256 * 1024 + 3;
    private const string Served = "images/squashfs";
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

    private string Final => Path.Combine(_target.Root, "cache", _sha256);

    private DownloadItem Item() => new(new Uri(_server.BaseUri, Served), _sha256, Size, Final, Served);

    private static TransferOptions Options(int attempts) => new()
    {
        RetryBaseDelay = TimeSpan.FromMilliseconds(20),
        StallTimeout = TimeSpan.FromSeconds(30),
        MaxAttempts = attempts,
    };

    /// <summary>A first run that drops after 1000 bytes and may not retry: it leaves a 1000-byte partial.</summary>
    private async Task LeaveAPartial()
    {
        _server.Faults.Add(Served, Fault.DropAfter(1000));
        await Assert.ThrowsAsync<DownloadFailedException>(() =>
            new TransferEngine(Options(1), new RecordingObserver()).RunAsync([Item()], CancellationToken.None));
        Assert.Equal(1000, new FileInfo(Final + ".partial").Length);
        _server.ResetCounters();
    }

    private void AssertVerified()
    {
        Assert.Equal(_sha256, Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Final))).ToLowerInvariant());
        Assert.False(File.Exists(Final + ".partial"));
    }

    [Fact]
    public async Task A_weak_etag_is_never_sent_in_if_range_the_date_is_and_the_partial_is_resumed()
    {
        _server.Faults.Add(Served, Fault.WeakETag(), count: -1);
        await LeaveAPartial();

        await new TransferEngine(Options(1), new RecordingObserver()).RunAsync([Item()], CancellationToken.None);

        AssertVerified();
        var resume = Assert.Single(_server.Requests, r => r.Method == "GET");
        Assert.Equal("bytes=1000-", resume.Range);
        Assert.NotNull(resume.IfRange);
        Assert.DoesNotContain("W/", resume.IfRange, StringComparison.Ordinal);
        Assert.DoesNotContain("\"", resume.IfRange, StringComparison.Ordinal); // a date, not an entity tag
        Assert.Equal(206, resume.Status);
        Assert.Equal(Size - 1000, _server.BytesSent);
    }

    [Fact]
    public async Task A_strong_etag_is_still_sent_in_if_range()
    {
        await LeaveAPartial();
        await new TransferEngine(Options(1), new RecordingObserver()).RunAsync([Item()], CancellationToken.None);
        AssertVerified();
        var resume = Assert.Single(_server.Requests, r => r.Method == "GET");
        Assert.StartsWith("\"", resume.IfRange, StringComparison.Ordinal);
        Assert.Equal(206, resume.Status);
    }

    [Fact]
    public async Task A_416_restarts_from_zero_in_the_same_attempt_without_a_retry()
    {
        await LeaveAPartial();
        _server.Faults.Add(Served, Fault.Status(416));
        var observer = new RecordingObserver();

        // One attempt only: a 416 that cost a retry would fail here.
        var result = Assert.Single(await new TransferEngine(Options(1), observer).RunAsync([Item()], CancellationToken.None));

        AssertVerified();
        Assert.Equal(1, result.Attempts);
        Assert.DoesNotContain(observer.Messages, m => m.StartsWith("Retrying", StringComparison.Ordinal));
        Assert.Contains(observer.Messages, m => m.Contains("416", StringComparison.Ordinal));
        var gets = _server.Requests.Where(r => r.Method == "GET").ToList();
        Assert.Equal([416, 200], gets.Select(r => r.Status));
        Assert.Null(gets[1].Range);
    }
}
