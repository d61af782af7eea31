using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MaasImages.Engine.Layout;
using MaasImages.Engine.Layout.Bootloaders;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Tests.Support;
using MaasImages.Engine.Transfer;

namespace MaasImages.Engine.Tests.Layout;

/// <summary>
/// Runs that were killed, and runs that overlap: the lock a dead run left is taken over, what an
/// interrupted run left is removed by the next one (even one with nothing to fetch), and a Save
/// and an Install on one destination take turns and both end up in <c>current</c>. (Kill -9 at
/// named points of a real child pwsh: tests/Pester/KillRecovery.Tests.ps1.)
/// </summary>
public sealed class RecoveryTests : ServedSampleTest
{
    private string LockFile => Path.Combine(Root, DestinationLock.FileName);

    private static string Record(int pid, DateTime started) => string.Create(CultureInfo.InvariantCulture,
        $"pid {pid} on {Environment.MachineName} since {DateTimeOffset.UtcNow:u} (process started {started.ToUniversalTime():O})");

    /// <summary>A process that has exited: its pid names nobody (or somebody started later, which the start time tells apart).</summary>
    private static (int Pid, DateTime Started) DeadProcess()
    {
        using var process = Process.Start(new ProcessStartInfo("sleep", "600") { UseShellExecute = false })!;
        var started = process.StartTime; // read while it runs
        process.Kill(); // as kill -9 would
        process.WaitForExit();
        return (process.Id, started);
    }

    [Fact]
    public async Task A_lock_left_by_a_dead_process_is_taken_over_and_cleared_after_the_run()
    {
        var (pid, started) = DeadProcess();
        Directory.CreateDirectory(Root);
        File.WriteAllText(LockFile, Record(pid, started));

        var observer = new RecordingObserver();
        await Save(await LatestAmd64("noble"), Options(lockTimeout: TimeSpan.Zero), observer);
        Assert.Contains(observer.Warnings, w => w.StartsWith("Taking over the lock", StringComparison.Ordinal) && w.Contains($"pid {pid} ", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(Current, "maas.meta")));
        Assert.Equal(string.Empty, File.ReadAllText(LockFile)); // a finished run leaves no holder behind
    }

    [Fact]
    public async Task A_lock_record_naming_a_live_process_on_this_host_makes_the_run_wait_even_where_the_file_system_does_not_lock()
    {
        using var alive = Process.Start(new ProcessStartInfo("sleep", "600") { UseShellExecute = false })!;
        try
        {
            Directory.CreateDirectory(Root);
            File.WriteAllText(LockFile, Record(alive.Id, alive.StartTime)); // no OS lock held: as on a file system without flock
            var error = await Assert.ThrowsAsync<DestinationLockedException>(async () =>
                await Save(await LatestAmd64("noble"), Options(lockTimeout: TimeSpan.Zero)));
            Assert.Contains($"pid {alive.Id} ", error.Message, StringComparison.Ordinal);

            // The same pid with another start time is a recycled pid, not the holder.
            File.WriteAllText(LockFile, Record(alive.Id, alive.StartTime.AddHours(-1)));
            await Save(await LatestAmd64("noble"), Options(lockTimeout: TimeSpan.Zero));
            Assert.True(File.Exists(Path.Combine(Current, "maas.meta")));
        }
        finally
        {
            alive.Kill();
            alive.WaitForExit();
        }
    }

    [Fact]
    public async Task A_run_with_nothing_to_fetch_removes_what_interrupted_runs_left()
    {
        var noble = await LatestAmd64("noble");
        await Save(noble);
        var snapshot = new FileInfo(Current).LinkTarget!;

        // What kill -9 leaves at each stage: a half-built snapshot, a complete one never switched to,
        // a half-removed old one (renamed, and not yet renamed), a temporary current link, a stale record.
        Directory.CreateDirectory(Path.Combine(Root, ".building-snapshot-20990101-000000", "ubuntu"));
        File.WriteAllText(Path.Combine(Root, ".building-snapshot-20990101-000000", "ubuntu", "x.placing"), "half");
        CopyFolder(Path.Combine(Root, snapshot), Path.Combine(Root, "snapshot-20990101-000001"));
        CopyFolder(Path.Combine(Root, snapshot), Path.Combine(Root, ".deleting-snapshot-20000101-000000"));
        Directory.CreateDirectory(Path.Combine(Root, "snapshot-20000101-000001", "ubuntu", "amd64"));
        File.CreateSymbolicLink(Path.Combine(Root, $".current-{Guid.NewGuid():N}"), "snapshot-20990101-000001");
        File.WriteAllText(Path.Combine(Root, RackSnapshots.ReferencesFolder, "snapshot-20990101-000002.json.tmp"), "{");
        Server.ResetCounters();

        var observer = new RecordingObserver();
        await Save(noble, Options(), observer);
        Assert.Contains(observer.Messages, m => m.StartsWith("Nothing changed", StringComparison.Ordinal));
        Assert.Empty(Server.Requests);
        Assert.Equal(snapshot, new FileInfo(Current).LinkTarget);
        Assert.Equal(new[] { "cache", "current", snapshot, RackSnapshots.ReferencesFolder, DestinationLock.FileName, RackMetadataDates.FileName }.Order(StringComparer.Ordinal),
            Directory.GetFileSystemEntries(Root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal([snapshot + ".json"], Directory.GetFiles(Path.Combine(Root, RackSnapshots.ReferencesFolder)).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Save_and_install_on_one_destination_take_turns_and_current_has_both()
    {
        var images = await LatestAmd64("jammy");
        var bootloaders = await Bootloaders();
        var saveWaits = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var installWaits = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        Task<IReadOnlyList<MaasSavedImage>> save;
        Task<IReadOnlyList<MaasBootloader>> install;
        using (var held = await DestinationLock.AcquireAsync(Root, TimeSpan.Zero, _ => { }, CancellationToken.None)) // a run in progress
        {
            save = Save(images, Options(), new SignallingObserver("Waiting for another run", saveWaits));
            await saveWaits.Task.WaitAsync(TimeSpan.FromMinutes(2));
            install = Install(bootloaders, Options(), new SignallingObserver("Waiting for another run", installWaits));
            await installWaits.Task.WaitAsync(TimeSpan.FromMinutes(2));
            Assert.False(save.IsCompleted || install.IsCompleted);
            Assert.False(Directory.Exists(Path.Combine(Root, "cache")), "nothing written while the lock is held");
        }
        await Task.WhenAll(save, install);

        using var meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(Current, "maas.meta")));
        Assert.Equal(["grub-efi", "grub-efi-signed", "grub-ieee1275", "pxelinux", "ubuntu"], meta.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.True(File.Exists(Path.Combine(Current, "ubuntu/amd64/ga-22.04/jammy/stable/squashfs")));
        Assert.Equal(9, Directory.GetFiles(Path.Combine(Current, "bootloader/pxe/i386")).Length);
        Assert.Single(Directory.GetDirectories(Root, "snapshot-*"));
    }

    private sealed class SignallingObserver(string warningPrefix, TaskCompletionSource signal) : ITransferObserver
    {
        public void OnProgress(TransferSnapshot snapshot) { }
        public void OnFileCompleted(FileResult result) { }
        public void OnMessage(string message) { }
        public void OnWarning(string message)
        {
            if (message.StartsWith(warningPrefix, StringComparison.Ordinal)) signal.TrySetResult();
        }
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var entry in new DirectoryInfo(from).EnumerateFileSystemInfos())
        {
            var target = Path.Combine(to, entry.Name);
            if (entry.LinkTarget is { } link) File.CreateSymbolicLink(target, link);
            else if (entry is DirectoryInfo dir) CopyFolder(dir.FullName, target);
            else File.Copy(entry.FullName, target);
        }
    }
}
