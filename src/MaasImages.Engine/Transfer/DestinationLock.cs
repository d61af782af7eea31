using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace MaasImages.Engine.Transfer;

/// <summary>
/// One writer per destination: an exclusive lock file (flock on Unix, share-none on Windows) that
/// also records who holds it (pid, host, process start). A second run waits, saying so, and gives
/// up with DestinationLocked after the timeout; it never interleaves writes. The OS drops the lock
/// with the process, even after kill -9; the record then names a dead process and is taken over.
/// Where a file system does not enforce the lock, a record naming a live process on this host
/// still makes the next run wait. The record is cleared when the run ends.
/// </summary>
public sealed partial class DestinationLock : IDisposable
{
    public const string FileName = ".maasimages.lock";
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
    private readonly FileStream _stream;

    private DestinationLock(FileStream stream) => _stream = stream;

    /// <summary>
    /// Waits (up to <paramref name="timeout"/>) only while another run holds the lock; a destination
    /// or lock file that cannot be written fails at once with its stable id (DestinationNotWritable,
    /// InsufficientDiskSpace).
    /// </summary>
    public static async Task<DestinationLock> AcquireAsync(string destination, TimeSpan timeout, Action<string> log, CancellationToken cancellationToken)
    {
        try
        {
            Directory.CreateDirectory(destination);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && Platform.IoFailures.Translate(e, destination) is { } failure)
        {
            throw failure;
        }
        var path = Path.Combine(destination, FileName);
        var watch = Stopwatch.StartNew();
        bool told = false;
        while (true)
        {
            string? holder;
            FileStream? stream = null;
            // A link planted at the lock's name would make us truncate and write its target: remove the link.
            if (Platform.NoFollow.IsLink(path)) File.Delete(path);
            try
            {
                stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                var previous = ReadRecord(stream);
                holder = previous is { } record && IsRunningHere(record) ? record.Holder : null;
                if (holder is null)
                {
                    if (previous is { } stale)
                        log($"Taking over the lock on '{destination}' left by a run that is gone ({stale.Text}).");
                    WriteRecord(stream);
                    return new DestinationLock(stream);
                }
                stream.Dispose(); // a live run on this host holds it, though the file system did not enforce the lock
            }
            catch (IOException e) when (Platform.IoFailures.IsHeldByAnother(e))
            {
                stream?.Dispose();
                holder = Holder(path);
            }
            catch (Exception e)
            {
                // Anything else (read-only, permission denied, disk full) is not worth waiting for.
                stream?.Dispose();
                if (e is IOException or UnauthorizedAccessException && Platform.IoFailures.Translate(e, destination) is { } failure) throw failure;
                throw;
            }
            if (watch.Elapsed >= timeout) throw new DestinationLockedException(destination, watch.Elapsed, holder);
            if (!told)
            {
                told = true;
                log($"Waiting for another run to finish with '{destination}' (held by {holder ?? "a process that did not record itself"}); giving up after {timeout.TotalSeconds:0} s.");
            }
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Who holds the lock, as its record says ("pid 4242 on rack1 since 2025-07-18 10:15:30Z"); null
    /// when unknown. Read without a lock of our own, which the holder's would refuse.
    /// </summary>
    private static string? Holder(string path)
    {
        if (Platform.NativeFileSystem.ReadWithoutLock(path, 4096) is not { Length: > 0 } bytes) return null;
        var match = RecordPattern().Match(System.Text.Encoding.UTF8.GetString(bytes).Trim());
        return match.Success ? Describe(match) : null;
    }

    private static string Describe(Match record) =>
        $"pid {record.Groups["pid"].Value} on {record.Groups["host"].Value} since {record.Groups["since"].Value}";

    /// <param name="Holder">How messages name the holder: pid, host and since when.</param>
    private sealed record Record(string Text, int Pid, string Host, DateTime? Started, string Holder);

    private static Record? ReadRecord(FileStream stream)
    {
        stream.Position = 0;
        using var reader = new StreamReader(stream, leaveOpen: true);
        var text = reader.ReadToEnd().Trim();
        if (text.Length == 0) return null;
        var match = RecordPattern().Match(text);
        if (!match.Success) return new Record(text, 0, string.Empty, null, text); // damaged (killed while writing): nobody's
        DateTime? started = DateTime.TryParse(match.Groups["started"].Value, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var value) ? value : null;
        return new Record(text, int.Parse(match.Groups["pid"].Value, CultureInfo.InvariantCulture), match.Groups["host"].Value, started, Describe(match));
    }

    /// <summary>
    /// True when the recorded process is alive on this host (same pid and start time: a recycled
    /// pid is not the holder). Another host cannot be checked: the OS lock, which we got, decides.
    /// </summary>
    private static bool IsRunningHere(Record record)
    {
        if (record.Pid <= 0 || record.Started is null || record.Pid == Environment.ProcessId) return false;
        if (!string.Equals(record.Host, Environment.MachineName, StringComparison.OrdinalIgnoreCase)) return false;
        var started = ProcessStart(record.Pid);
        return started is { } actual && (actual - record.Started.Value).Duration() < TimeSpan.FromSeconds(2);
    }

    private static DateTime? ProcessStart(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited ? null : process.StartTime.ToUniversalTime();
        }
#pragma warning disable CA1031 // gone, or not ours to inspect: either way not a holder we can prove alive
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    private static void WriteRecord(FileStream stream)
    {
        var started = ProcessStart(Environment.ProcessId) ?? DateTime.UtcNow;
        stream.SetLength(0);
        using (var writer = new StreamWriter(stream, leaveOpen: true))
            writer.Write(string.Create(CultureInfo.InvariantCulture,
                $"pid {Environment.ProcessId} on {Environment.MachineName} since {DateTimeOffset.UtcNow:u} (process started {started:O})"));
        stream.Flush(flushToDisk: true);
    }

    [GeneratedRegex(@"^pid (?<pid>\d+) on (?<host>\S+) since (?<since>.*?)(?: \(process started (?<started>[^)]+)\))?$")]
    private static partial Regex RecordPattern();

    /// <summary>Clears the record (the file stays: deleting it would let two runs lock two different files), then unlocks.</summary>
    public void Dispose()
    {
        try
        {
            _stream.SetLength(0);
            _stream.Flush();
        }
        catch (IOException)
        {
            // the lock goes with the handle anyway; a record left behind names a finished run
        }
        _stream.Dispose();
    }
}
