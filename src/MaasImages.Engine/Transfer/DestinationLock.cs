using System.Diagnostics;

namespace MaasImages.Engine.Transfer;

/// <summary>
/// One writer per destination: an exclusive lock file (flock on Unix, share-none on Windows). A
/// second run waits, saying so, and gives up with DestinationLocked after the timeout; it never
/// interleaves writes. The lock goes away with the process, even after a crash.
/// </summary>
public sealed class DestinationLock : IDisposable
{
    public const string FileName = ".maasimages.lock";
    private readonly FileStream _stream;

    private DestinationLock(FileStream stream) => _stream = stream;

    public static async Task<DestinationLock> AcquireAsync(string destination, TimeSpan timeout, Action<string> log, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(destination);
        var path = Path.Combine(destination, FileName);
        var watch = Stopwatch.StartNew();
        bool told = false;
        while (true)
        {
            try
            {
                var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                stream.SetLength(0);
                using (var writer = new StreamWriter(stream, leaveOpen: true))
                    writer.Write($"pid {Environment.ProcessId} on {Environment.MachineName} since {DateTimeOffset.UtcNow:u}");
                stream.Flush();
                return new DestinationLock(stream);
            }
            catch (IOException) when (watch.Elapsed < timeout)
            {
                if (!told)
                {
                    told = true;
                    log($"Waiting for another run to finish with '{destination}' ({Holder(path) ?? "lock held"}); giving up after {timeout.TotalSeconds:0} s.");
                }
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                throw new DestinationLockedException(destination, watch.Elapsed, Holder(path));
            }
        }
    }

    private static string? Holder(string path)
    {
        try
        {
            using var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var text = new StreamReader(reader);
            return text.ReadToEnd() is { Length: > 0 } holder ? holder : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void Dispose() => _stream.Dispose();
}
