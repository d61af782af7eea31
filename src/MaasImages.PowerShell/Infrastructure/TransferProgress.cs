using System.Collections.Concurrent;
using System.Globalization;
using System.Management.Automation;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Transfer;

namespace MaasImages.PowerShell.Infrastructure;

/// <summary>
/// Turns transfer engine events into an overall progress bar with a child bar per active file,
/// verbose lines and warnings. Called from engine threads: the delegates must marshal to the
/// pipeline thread (AsyncPSCmdlet's Emit* do).
/// </summary>
internal sealed class TransferProgress(string activity, Action<ProgressRecord> progress, Action<string> verbose, Action<string> warning,
    Action<ErrorRecord> error, RunSummary? run = null) : ITransferObserver
{
    private const int OverallActivityId = 1;
    private readonly ConcurrentDictionary<string, int> _childIds = new(StringComparer.Ordinal);
    private int _nextChildId = OverallActivityId + 1;

    public void OnProgress(TransferSnapshot snapshot)
    {
        var overall = new ProgressRecord(OverallActivityId, activity,
            string.Format(CultureInfo.InvariantCulture, "{0} of {1} at {2}/s, {3} of {4}",
                ByteSize.Format(snapshot.BytesDone), ByteSize.Format(snapshot.BytesTotal), ByteSize.Format(ProgressMath.WholeBytesPerSecond(snapshot.BytesPerSecond)),
                snapshot.FilesDone, Engine.Formatting.Counted.Of(snapshot.FilesTotal, "file")))
        {
            PercentComplete = ProgressMath.Percent(snapshot.BytesDone, snapshot.BytesTotal),
            SecondsRemaining = ProgressMath.Seconds(snapshot.Remaining),
            RecordType = snapshot.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        };
        var records = new List<ProgressRecord>();
        var active = snapshot.Active.Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var file in snapshot.Active)
        {
            var id = _childIds.GetOrAdd(file.Name, _ => Interlocked.Increment(ref _nextChildId));
            records.Add(new ProgressRecord(id, file.Name, $"{ByteSize.Format(file.BytesDone)} of {ByteSize.Format(file.Size)}")
            {
                ParentActivityId = OverallActivityId,
                PercentComplete = ProgressMath.Percent(file.BytesDone, file.Size),
            });
        }
        foreach (var (name, id) in _childIds.ToArray())
        {
            if (active.Contains(name) && !snapshot.Completed) continue;
            _childIds.TryRemove(name, out _);
            records.Add(new ProgressRecord(id, name, "done") { ParentActivityId = OverallActivityId, RecordType = ProgressRecordType.Completed });
        }
        records.Add(overall);
        foreach (var record in records) progress(record);
    }

    public void OnFileCompleted(FileResult result)
    {
        // What crossed the network now, next to the file's size: a resumed file was partly here already.
        var what = result.Resumed
            ? $"{ByteSize.Format(result.Item.Size)}, of which {ByteSize.Format(result.BytesDownloaded)} fetched now (resumed)"
            : result.BytesDownloaded > result.Item.Size
                ? $"{ByteSize.Format(result.Item.Size)} fetched ({ByteSize.Format(result.BytesDownloaded)} sent in all: some bytes came twice)"
                : $"{ByteSize.Format(result.Item.Size)} fetched";
        verbose(string.Format(CultureInfo.InvariantCulture, "{0}: {1} in {2:0.0} s, {3}, sha256 verified",
            result.Item.Name, what, result.Elapsed.TotalSeconds, Counted.Of(result.Attempts, "attempt")));
    }

    /// <summary>The line that ends the run: through its <see cref="RunSummary"/> (Verbose and Information), else on the Verbose stream.</summary>
    public void OnSummary(string line)
    {
        if (run is not null) run.Write(line);
        else verbose(line);
    }

    /// <summary>What a run cut short had done (with the partial downloads it keeps), for the line that ends it.</summary>
    public void OnCutShort(string done) => run?.CutShort(done);

    public void OnMessage(string message) => verbose(message);

    public void OnWarning(string message) => warning(message);

    /// <summary>One image or bootloader not saved: a non-terminating error with the item as TargetObject.</summary>
    public void OnFailed(MaasImagesException failure) => error(ErrorRecords.From(failure));
}
