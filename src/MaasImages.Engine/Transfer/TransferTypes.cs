namespace MaasImages.Engine.Transfer;

/// <summary>One file to fetch: where from, what it must be, where it goes.</summary>
/// <param name="Source">http(s):// or file:// URI.</param>
/// <param name="Sha256">Expected SHA-256, lower-case hex.</param>
/// <param name="Size">Expected size in bytes.</param>
/// <param name="Destination">Absolute final path; the download goes to <c>Destination.partial</c> first.</param>
/// <param name="Name">What messages call it (the stream-relative path).</param>
public sealed record DownloadItem(Uri Source, string Sha256, long Size, string Destination, string Name);

/// <summary>How the engine downloads.</summary>
public sealed class TransferOptions
{
    /// <summary>Files fetched at once.</summary>
    public int ThrottleLimit { get; init; } = 4;
    /// <summary>Attempts per file for transient failures (network, stall, 408/429/5xx).</summary>
    public int MaxAttempts { get; init; } = 6;
    /// <summary>No byte for this long is a stall (a retryable failure). There is no total timeout.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>First retry delay; doubles each attempt, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Longest Retry-After honoured.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Re-hash files that look complete instead of trusting size + recorded hash.</summary>
    public bool Force { get; init; }
    /// <summary>The HttpClient to use (default: the module's shared one).</summary>
    public HttpClient? Client { get; init; }
}

/// <summary>A moment of a transfer, for progress bars. Raised at most four times a second.</summary>
public sealed record TransferSnapshot(
    long BytesDone,
    long BytesTotal,
    int FilesDone,
    int FilesTotal,
    double BytesPerSecond,
    TimeSpan? Remaining,
    IReadOnlyList<ActiveFile> Active,
    bool Completed);

/// <summary>A file being fetched right now.</summary>
public sealed record ActiveFile(string Name, long BytesDone, long Size);

/// <summary>What happened to one unique file.</summary>
/// <param name="BytesDownloaded">Bytes received in all attempts (a restarted attempt's too): what the server sent.</param>
public sealed record FileResult(DownloadItem Item, long BytesDownloaded, bool Reused, TimeSpan Elapsed, int Attempts)
{
    /// <summary>Bytes a partial file of an earlier run already held and this run kept (0 unless resumed).</summary>
    public long BytesResumed => Reused ? 0 : Math.Max(0, Item.Size - BytesDownloaded);

    /// <summary>An earlier run's partial file was continued rather than fetched again.</summary>
    public bool Resumed => BytesResumed > 0;
}

/// <summary>How the engine tells the outside world what it does (it never writes to a console).</summary>
public interface ITransferObserver
{
    void OnProgress(TransferSnapshot snapshot);
    void OnFileCompleted(FileResult result);
    /// <summary>Detail for -Verbose (retries, metadata saved…).</summary>
    void OnMessage(string message);
    /// <summary>Something the user should see (waiting for a lock, copying instead of linking).</summary>
    void OnWarning(string message);
    /// <summary>
    /// An image or bootloader could not be saved (the error's Target is the item); the run goes on
    /// with the others. Called as it happens, from any thread; may block until it has been reported.
    /// (The cmdlets' observer turns it into a non-terminating error; by default it is only left out.)
    /// </summary>
    void OnFailed(Errors.MaasImagesException failure)
    {
    }

    /// <summary>The one line that ends a save or install: what it fetched, resumed, reused and pruned, and the snapshot it made.</summary>
    void OnSummary(string line)
    {
    }

    /// <summary>
    /// A save or install ended early (an error, or a stop): <paramref name="done"/> says what it had
    /// done by then. Called before the error reaches the caller; it may not be able to write: remember it.
    /// </summary>
    void OnCutShort(string done)
    {
    }

    /// <summary>
    /// The run was cancelled (Ctrl+C) while <paramref name="files"/> downloads were under way: their
    /// partial files (<paramref name="bytes"/> in all) are kept and the next run resumes them. Called
    /// after the cancellation, so it cannot write to a pipeline: remember it.
    /// </summary>
    void OnPartialsKept(int files, long bytes)
    {
    }
}
