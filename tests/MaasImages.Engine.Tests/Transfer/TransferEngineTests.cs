using System.Security.Cryptography;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Platform;
using MaasImages.Engine.Tests.Support;
using MaasImages.Engine.Transfer;
using MaasImages.TestServer;

namespace MaasImages.Engine.Tests.Transfer;

/// <summary>
/// The download engine against a real HTTP server on loopback with faults. Every fault ends in a
/// verified file at the final path or a clear error, never a wrong or partial file there.
/// </summary>
public sealed class TransferEngineTests : IAsyncLifetime
{
    private const int Size = 3 * 1024 * 1024 + 17;
    private readonly TempStream _served = new();
    private readonly TempStream _target = new();
    private StreamServer _server = null!;
    private string _sha256 = "";

    public async Task InitializeAsync() => (_server, _sha256) = await ServedRandomFile.StartAsync(_served.Root, Size, seed: 42);

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _served.Dispose();
        _target.Dispose();
    }

    private string Final => Path.Combine(_target.Root, "cache", _sha256);

    private DownloadItem Item(string? destination = null) =>
        new(new Uri(_server.BaseUri, "images/squashfs"), _sha256, Size, destination ?? Final, "images/squashfs");

    private static TransferOptions Fast(int attempts = 6) => new()
    {
        RetryBaseDelay = TimeSpan.FromMilliseconds(20),
        // Long enough that a loaded CI machine never looks stalled; the stall test still ends in ~5 s.
        StallTimeout = TimeSpan.FromSeconds(5),
        MaxAttempts = attempts,
    };

    private static Task<IReadOnlyList<FileResult>> Run(TransferOptions options, params DownloadItem[] items) =>
        new TransferEngine(options, new RecordingObserver()).RunAsync(items, CancellationToken.None);

    private void AssertVerifiedFileOnly(string path)
    {
        Assert.True(File.Exists(path), $"{path} missing");
        Assert.Equal(_sha256, Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))).ToLowerInvariant());
        Assert.False(File.Exists(path + ".partial"));
        Assert.False(File.Exists(path + ".partial.json"));
    }

    /// <summary>An observer whose progress display fails every time (e.g. its pipeline has stopped).</summary>
    private sealed class FailingDisplay(TaskCompletionSource tickedAndThrew) : ITransferObserver
    {
        public void OnProgress(TransferSnapshot snapshot)
        {
            if (!snapshot.Completed) tickedAndThrew.TrySetResult(); // only the timer reports an unfinished transfer
            throw new InvalidOperationException("the display is gone");
        }

        public void OnFileCompleted(FileResult result) { }
        public void OnMessage(string message) { }
        public void OnWarning(string message) { }
        public void OnFailed(MaasImages.Engine.Errors.MaasImagesException failure) { }
    }

    [Fact]
    public async Task A_progress_display_that_throws_on_the_timer_thread_neither_crashes_the_process_nor_fails_the_download()
    {
        // The download is held half way until the progress timer has fired (and its observer thrown):
        // an exception escaping a timer callback would end the test host, not just this test.
        var release = new TaskCompletionSource();
        var tickedAndThrew = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _server.Faults.Add("images/squashfs", Fault.Hold(Size / 2, release.Task));
        var run = new TransferEngine(Fast(), new FailingDisplay(tickedAndThrew)).RunAsync([Item()], CancellationToken.None);
        await tickedAndThrew.Task.WaitAsync(TimeSpan.FromMinutes(2));
        release.SetResult();

        var result = Assert.Single(await run.WaitAsync(TimeSpan.FromMinutes(2)));
        Assert.Equal(Size, result.Item.Size);
        AssertVerifiedFileOnly(Final);
    }

    private void AssertNothingAtFinalPath()
    {
        Assert.False(File.Exists(Final), "a file reached the final path");
    }

    [Fact]
    public async Task A_plain_download_is_verified_and_renamed_into_place()
    {
        var observer = new RecordingObserver();
        var results = await new TransferEngine(Fast(), observer).RunAsync([Item()], CancellationToken.None);
        AssertVerifiedFileOnly(Final);
        Assert.Equal(Size, Assert.Single(results).BytesDownloaded);
        var last = observer.Snapshots.Last();
        Assert.True(last.Completed);
        Assert.Equal(Size, last.BytesDone);
        Assert.Equal(1, last.FilesDone);
    }

    [Fact]
    public async Task A_dropped_connection_resumes_with_range_and_fetches_only_the_rest()
    {
        _server.Faults.Add("images/squashfs", Fault.DropAfter(1_000_000));
        var result = Assert.Single(await Run(Fast(), Item()));
        AssertVerifiedFileOnly(Final);
        Assert.Equal(2, result.Attempts);
        var requests = _server.Requests.Where(r => r.Path.EndsWith("squashfs", StringComparison.Ordinal)).ToList();
        Assert.Equal("bytes=1000000-", requests[1].Range);
        Assert.NotNull(requests[1].IfRange); // resumes only the same entity
        Assert.InRange(_server.BytesSent, Size, Size + 1); // nothing fetched twice
    }

    [Fact]
    public async Task A_corrupted_byte_is_caught_and_the_file_fetched_again_from_zero()
    {
        _server.Faults.Add("images/squashfs", Fault.CorruptByte(12345));
        var result = Assert.Single(await Run(Fast(), Item()));
        AssertVerifiedFileOnly(Final);
        Assert.Equal(2, result.Attempts);
        Assert.Null(_server.Requests[^1].Range);
    }

    private void AssertPartialIsTheServedPrefix(int length)
    {
        var served = File.ReadAllBytes(Path.Combine(_served.Root, "images", "squashfs"));
        Assert.Equal(served[..length], File.ReadAllBytes(Final + ".partial"));
    }

    [Fact]
    public async Task A_corrupted_last_byte_is_caught_by_the_hash_that_runs_beside_the_reads_and_the_file_fetched_again()
    {
        // The last byte: hashed after the reader has finished, while earlier segments may still be in flight.
        _server.Faults.Add("images/squashfs", Fault.CorruptByte(Size - 1));
        var result = Assert.Single(await Run(Fast(), Item()));
        AssertVerifiedFileOnly(Final);
        Assert.Equal(2, result.Attempts);
        Assert.Null(_server.Requests[^1].Range);
    }

    [Fact]
    public async Task A_drop_in_the_middle_of_a_slot_keeps_exactly_the_bytes_received_in_order_and_the_resume_completes_them()
    {
        var dropAt = WriteHashStage.SlotSize * 3 + 777;
        _server.Faults.Add("images/squashfs", Fault.DropAfter(dropAt));
        await Assert.ThrowsAsync<DownloadFailedException>(() => Run(Fast(attempts: 1), Item()));
        AssertPartialIsTheServedPrefix(dropAt);

        _server.ResetCounters();
        var result = Assert.Single(await Run(Fast(), Item()));
        AssertVerifiedFileOnly(Final);
        Assert.Equal(Size - dropAt, result.BytesDownloaded);
        Assert.Equal($"bytes={dropAt}-", Assert.Single(_server.Requests).Range);
    }

    [Fact]
    public async Task A_partial_whose_size_cannot_be_reserved_is_written_all_the_same()
    {
        // No file system reserves 1 PiB: the reservation fails, the partial is opened without it
        // and gets every byte that arrived (here the whole served body, which is shorter than promised).
        var huge = Item() with { Size = 1L << 50 };
        await Assert.ThrowsAsync<DownloadFailedException>(() => Run(Fast(attempts: 1), huge));
        Assert.Equal(Size, new FileInfo(Final + ".partial").Length);
        AssertPartialIsTheServedPrefix(Size);
    }

    [Fact]
    public async Task Corruption_twice_is_a_checksum_mismatch_naming_file_expected_and_actual()
    {
        _server.Faults.Add("images/squashfs", Fault.CorruptByte(5), count: 2);
        var error = await Assert.ThrowsAsync<ChecksumMismatchException>(() => Run(Fast(), Item()));
        Assert.Equal("ChecksumMismatch", error.ErrorId);
        Assert.Contains("images/squashfs", error.Message, StringComparison.Ordinal);
        Assert.Contains(_sha256, error.Message, StringComparison.Ordinal);
        Assert.NotEqual(_sha256, error.Actual);
        AssertNothingAtFinalPath();
        Assert.False(File.Exists(Final + ".partial"));
    }

    [Theory]
    [InlineData(503)]
    [InlineData(429)]
    public async Task Busy_answers_are_retried_honouring_retry_after(int status)
    {
        _server.Faults.Add("images/squashfs", Fault.Status(status, retryAfterSeconds: 1));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = Assert.Single(await Run(Fast(), Item()));
        AssertVerifiedFileOnly(Final);
        Assert.Equal(2, result.Attempts);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(0.9), $"Retry-After ignored: {watch.Elapsed}");
    }

    [Theory]
    [InlineData(404)]
    [InlineData(403)]
    public async Task Not_found_and_forbidden_are_not_retried(int status)
    {
        _server.Faults.Add("images/squashfs", Fault.Status(status), count: -1);
        var error = await Assert.ThrowsAsync<DownloadFailedException>(() => Run(Fast(), Item()));
        Assert.Contains(status.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
        Assert.Single(_server.Requests);
        AssertNothingAtFinalPath();
    }

    [Fact]
    public async Task Retries_are_bounded_and_the_partial_is_kept_for_later()
    {
        _server.Faults.Add("images/squashfs", Fault.DropAfter(100_000), count: -1);
        var error = await Assert.ThrowsAsync<DownloadFailedException>(() => Run(Fast(attempts: 3), Item()));
        Assert.Contains("after 3 attempts", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, _server.Requests.Count);
        AssertNothingAtFinalPath();
        Assert.Equal(300_000, new FileInfo(Final + ".partial").Length);
    }

    [Fact]
    public async Task A_server_ignoring_range_restarts_cleanly()
    {
        _server.Faults.Add("images/squashfs", Fault.DropAfter(2_000_000));
        _server.Faults.Add("images/squashfs", Fault.IgnoreRange(), count: -1);
        var once = await Assert.ThrowsAsync<DownloadFailedException>(() => Run(Fast(attempts: 1), Item()));
        Assert.Contains("failed after 1 attempt:", once.Message, StringComparison.Ordinal); // not "1 attempts"
        Assert.True(File.Exists(Final + ".partial"));

        await Run(Fast(), Item());
        AssertVerifiedFileOnly(Final);
        Assert.Equal(200, _server.Requests[^1].Status);
    }

    [Fact]
    public async Task A_stall_is_a_retryable_failure_not_a_hang()
    {
        _server.Faults.Add("images/squashfs", Fault.Stall(500_000, TimeSpan.FromSeconds(30)));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = Assert.Single(await Run(Fast(), Item()));
        AssertVerifiedFileOnly(Final);
        Assert.Equal(2, result.Attempts);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(-1000)]
    public async Task A_wrong_content_length_ends_in_a_verified_file(long delta)
    {
        _server.Faults.Add("images/squashfs", Fault.WrongContentLength(delta));
        await Run(Fast(), Item());
        AssertVerifiedFileOnly(Final);
    }

    [Fact]
    public async Task Cancelling_at_half_keeps_the_partial_and_the_next_run_fetches_only_the_rest()
    {
        // A gate the test controls: half the file, then nothing until cancelled (no timer racing the download).
        var never = new TaskCompletionSource();
        _server.Faults.Add("images/squashfs", Fault.Hold(Size / 2, never.Task));
        using var cts = new CancellationTokenSource();
        var observer = new RecordingObserver { OnSnapshot = s => { if (s.BytesDone >= Size / 2) cts.Cancel(); } };
        var patient = new TransferOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(20), StallTimeout = TimeSpan.FromMinutes(10) };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new TransferEngine(patient, observer).RunAsync([Item()], cts.Token));
        AssertNothingAtFinalPath();
        var kept = new FileInfo(Final + ".partial").Length;
        Assert.Equal(Size / 2, kept);
        AssertPartialIsTheServedPrefix(Size / 2); // every segment in flight when cancelled was written, in order

        _server.Faults.Clear();
        _server.ResetCounters();
        var result = Assert.Single(await Run(Fast(), Item()));
        AssertVerifiedFileOnly(Final);
        Assert.Equal(Size - kept, result.BytesDownloaded);
        Assert.Equal(Size - kept, _server.BytesSent);
    }

    [Fact]
    public async Task Identical_content_at_two_paths_is_fetched_once_and_hard_linked()
    {
        var first = Path.Combine(_target.Root, "jammy", "ga", "squashfs");
        var second = Path.Combine(_target.Root, "jammy", "hwe", "squashfs");
        var results = await Run(Fast(), Item(first), Item(second));
        Assert.Single(results);
        Assert.Single(_server.Requests);
        AssertVerifiedFileOnly(first);
        AssertVerifiedFileOnly(second);
        Assert.True(NativeFileSystem.IsSameFile(first, second));
    }

    [Fact]
    public async Task Local_file_sources_are_copied_through_the_same_verification()
    {
        var local = new Uri(Path.Combine(_served.Root, "images", "squashfs"));
        await Run(Fast(), new DownloadItem(local, _sha256, Size, Final, "images/squashfs"));
        AssertVerifiedFileOnly(Final);
        var wrong = new DownloadItem(local, new string('0', 64), Size, Final + "x", "images/squashfs");
        await Assert.ThrowsAsync<ChecksumMismatchException>(() => Run(Fast(), wrong));
        Assert.False(File.Exists(Final + "x"));
    }

    [Fact]
    public void Not_enough_free_space_is_refused_before_anything_is_fetched()
    {
        var huge = Item() with { Size = 1L << 55 };
        var error = Assert.Throws<InsufficientDiskSpaceException>(() => TransferEngine.EnsureFreeSpace(_target.Root, [huge]));
        Assert.Equal("InsufficientDiskSpace", error.ErrorId);
        Assert.Equal(1L << 55, error.Needed);
        Assert.True(error.Available > 0);
        Assert.Contains("must still be fetched", error.Message, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task A_second_writer_waits_for_the_lock_then_gives_up_with_a_clear_error()
    {
        var warnings = new List<string>();
        using (await DestinationLock.AcquireAsync(_target.Root, TimeSpan.Zero, warnings.Add, CancellationToken.None))
        {
            var error = await Assert.ThrowsAsync<DestinationLockedException>(() =>
                DestinationLock.AcquireAsync(_target.Root, TimeSpan.FromMilliseconds(500), warnings.Add, CancellationToken.None));
            Assert.Equal("DestinationLocked", error.ErrorId);
            Assert.Contains(warnings, w => w.StartsWith("Waiting for another run", StringComparison.Ordinal));
        }
        using var again = await DestinationLock.AcquireAsync(_target.Root, TimeSpan.Zero, warnings.Add, CancellationToken.None);
    }
}
