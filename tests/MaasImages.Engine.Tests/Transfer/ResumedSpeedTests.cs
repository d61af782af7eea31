using MaasImages.Engine.Transfer;

namespace MaasImages.Engine.Tests.Transfer;

/// <summary>
/// Resumed bytes are not transfer speed: what a partial of an earlier run held counts as done (the
/// bar and the time left), never as bytes that crossed the network (issue 16: 160 MiB/s shown
/// against a 60 MiB/s server right after a resume). A clock the test sets makes it exact.
/// </summary>
public sealed class ResumedSpeedTests
{
    private const long MiB = 1024 * 1024;
    private static readonly DownloadItem Squashfs = new(new Uri("http://127.0.0.1/squashfs"), new string('0', 64), 100 * MiB, "/tmp/squashfs", "squashfs");

    [Fact]
    public void A_resumed_partial_counts_as_done_but_not_as_speed()
    {
        var now = TimeSpan.Zero;
        var tracker = new TransferEngine.ProgressTracker(100 * MiB, 1, () => now);
        tracker.Start(Squashfs, resumable: 90 * MiB);
        now = TimeSpan.FromSeconds(1);
        tracker.Add(Squashfs, 1 * MiB);
        var snapshot = tracker.Snapshot(completed: false);
        Assert.Equal(91 * MiB, snapshot.BytesDone);
        Assert.Equal(1 * MiB, snapshot.BytesPerSecond, precision: 0);
        Assert.Equal(TimeSpan.FromSeconds(9), snapshot.Remaining);
        Assert.Equal(91 * MiB, Assert.Single(snapshot.Active).BytesDone);
    }

    [Fact]
    public void Finishing_a_file_whose_start_was_already_here_adds_no_speed()
    {
        var now = TimeSpan.Zero;
        var tracker = new TransferEngine.ProgressTracker(100 * MiB, 1, () => now);
        tracker.Start(Squashfs); // the 99 MiB a partial held are credited only when the file is done
        now = TimeSpan.FromSeconds(1);
        tracker.Add(Squashfs, 1 * MiB);
        Assert.Equal(1 * MiB, tracker.Snapshot(completed: false).BytesPerSecond, precision: 0);
        tracker.Finish(Squashfs);
        now = TimeSpan.FromSeconds(2);
        var done = tracker.Snapshot(completed: true);
        Assert.Equal(100 * MiB, done.BytesDone);
        Assert.True(done.BytesPerSecond <= 1 * MiB, $"{done.BytesPerSecond / MiB:0.0} MiB/s after 1 MiB in 2 s");
    }
}
