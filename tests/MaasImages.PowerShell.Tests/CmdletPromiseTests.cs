using System.Management.Automation;
using MaasImages.TestServer;

namespace MaasImages.PowerShell.Tests;

/// <summary>
/// README promises of the cmdlets not shown elsewhere, each against the real thing: downloads
/// bounded by -ThrottleLimit (default 4) on a loopback server that holds every file; a broken
/// products document that leaves the others listed; a file system without hard links across
/// cache/ and the snapshot (a real tmpfs mounted on cache/) where files are copied, and it says so.
/// </summary>
public sealed class CmdletPromiseTests() : ServedSampleTests("maasimages-promises-")
{
    private const string JammyLatest = "Get-MaasImageVersion -Source $url -Keyring $keyring -Release jammy -Arch amd64 -Latest";

    [Theory]
    [InlineData("", 4)]
    [InlineData("-ThrottleLimit 2", 2)]
    public async Task Save_fetches_ThrottleLimit_files_at_once_and_never_more(string parameter, int limit)
    {
        // Every payload file of the selection is held after its first byte until the test lets go: the
        // engine then has `limit` downloads it cannot finish, and may not ask for another. Checked once
        // `limit` are held and the engine's own progress timer has ticked twice since (a state of the
        // engine, not a time the test picks): an engine without the bound has asked for more by then.
        var files = Directory.GetFiles(Path.Combine(PowerShellSession.SampleStream, "jammy", "amd64", "20250718"), "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(PowerShellSession.SampleStream, f).Replace('\\', '/')).ToList();
        Assert.True(files.Count > limit + 2);
        var release = new TaskCompletionSource();
        var held = 0;
        var limitHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        foreach (var file in files)
        {
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _ = reached.Task.ContinueWith(_ => { if (Interlocked.Increment(ref held) == limit) limitHeld.TrySetResult(); }, TaskScheduler.Default);
            Server.Faults.Add(file, Fault.Hold(1, release.Task, reached));
        }
        using var ps = Session.Create($"{JammyLatest} | Save-MaasImage -Path $dest {parameter}", Vars);
        var ticks = 0;
        var ticked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ps.Streams.Progress.DataAdded += (_, e) =>
        {
            if (limitHeld.Task.IsCompleted && ps.Streams.Progress[e.Index] is { ActivityId: 1, RecordType: ProgressRecordType.Processing }
                && Interlocked.Increment(ref ticks) == 2) ticked.TrySetResult();
        };
        var run = ps.BeginInvoke();
        try
        {
            await limitHeld.Task.WaitAsync(TimeSpan.FromMinutes(2));
            await ticked.Task.WaitAsync(TimeSpan.FromMinutes(2)); // the deadlines only turn a hang into a failure
            var asked = Server.Requests.Where(r => r.Method == "GET" && !r.Path.Contains("/streams/", StringComparison.Ordinal)).Select(r => r.Path).ToList();
            Assert.True(asked.Count == limit, $"{asked.Count} files asked for while {limit} were held: {string.Join(", ", asked)}");
        }
        finally
        {
            release.TrySetResult();
            await Task.Factory.FromAsync(run, ps.EndInvoke);
        }
        Assert.Empty(ps.Streams.Error);
        Assert.True(File.Exists(Path.Combine(Destination, "current", "ubuntu", "amd64", "ga-22.04", "jammy", "stable", "squashfs")));
    }

    [Fact]
    public void A_broken_products_document_is_a_non_terminating_error_and_the_other_documents_are_still_listed()
    {
        var copy = Path.Combine(Destination, "stream");
        foreach (var file in Directory.EnumerateFiles(Path.Combine(PowerShellSession.SampleStream, "streams"), "*.json", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(PowerShellSession.SampleStream, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        var centos = Path.Combine(copy, "streams", "v1", "com.ubuntu.maas:stable:centos-bases-download.json");
        File.WriteAllText(centos, File.ReadAllText(centos)[..200]); // cut off: not JSON any more

        var result = Session.Run("$listed = Get-MaasImageVersion -Source $copy -SkipSignatureCheck -WarningAction SilentlyContinue; $?; $listed",
            new Dictionary<string, object?> { ["copy"] = copy });
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("MalformedDocument", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains("centos-bases-download", error.Exception.Message, StringComparison.Ordinal);
        Assert.False((bool)result.Output[0].BaseObject, "$? is false after the error");
        var listed = result.Output.Skip(1).Select(o => (string)o.Properties["Os"].Value).ToList();
        Assert.NotEmpty(listed);
        Assert.All(listed, os => Assert.Equal("ubuntu", os)); // the Ubuntu document is listed in full, the CentOS one not at all
        var all = Session.Run("Get-MaasImageVersion -Source $url -Keyring $keyring -Os ubuntu", Vars);
        Assert.Equal(all.Output.Count, listed.Count);
    }

    [MountFact]
    public void Where_hard_links_are_impossible_files_are_copied_and_it_says_so()
    {
        // cache/ on its own tmpfs: a hard link from it into the snapshot crosses file systems (EXDEV).
        using var cache = Mount.Tmpfs(Path.Combine(Destination, "cache"), "size=8m");
        var result = Session.Run($"{JammyLatest} -Subarch ga-22.04 | Save-MaasImage -Path $dest -WarningVariable warned -WarningAction SilentlyContinue; $warned", Vars);
        Assert.Empty(result.Errors);
        var said = Assert.Single(result.Output.Select(o => o.ToString()!), w => w.Contains("Hard links are not possible", StringComparison.Ordinal));
        Assert.Contains("copying files instead", said, StringComparison.Ordinal);

        var squashfs = Path.Combine(Destination, "current", "ubuntu", "amd64", "ga-22.04", "jammy", "stable", "squashfs");
        var info = new FileInfo(squashfs);
        Assert.Null(info.LinkTarget);
        var served = File.ReadAllBytes(Path.Combine(PowerShellSession.SampleStream, "jammy", "amd64", "20250718", "squashfs"));
        Assert.Equal(served, File.ReadAllBytes(squashfs));
        var cached = Path.Combine(Destination, "cache", Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(served)).ToLowerInvariant());
        Assert.True(File.Exists(cached), "the cache keeps its copy"); // on another file system: the snapshot's file is a copy
    }

    [Fact]
    public void A_rack_tree_uses_no_name_with_a_colon_so_it_can_live_on_NTFS()
    {
        // about_MaasImages: "The rack layout never uses these names, so it works on NTFS."
        var result = Session.Run($"{JammyLatest} | Save-MaasImage -Path $dest; Install-MaasBootloader -Source $url -Keyring $keyring -Path $dest; " +
            "Get-MaasImageVersion -Source $url -Keyring $keyring -Release noble -Arch amd64 -Latest | Save-MaasImage -Path $dest -KeepSnapshots 1", Vars);
        Assert.Empty(result.Errors);
        var names = Directory.GetFileSystemEntries(Destination, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(p => Path.GetRelativePath(Destination, p)).ToList();
        Assert.Contains(names, n => n.StartsWith(".maasimages-", StringComparison.Ordinal)); // the module's own records are looked at too
        Assert.True(File.Exists(Path.Combine(Destination, "current", "bootx64.efi")));
        Assert.DoesNotContain(names, n => n.Contains(':', StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Get-MaasStream -Source $url -Keyring $keyring", "*index.sjson")]
    [InlineData("Get-MaasImageVersion -Source $url -Keyring $keyring", "*v3:download.sjson")]
    public async Task Ctrl_C_stops_a_metadata_read_promptly(string script, string held)
    {
        // The document is held for ever after its first bytes: a stop that does not cancel the read
        // lasts until the 5-minute metadata timeout. Waits for the state (the read reached the hold),
        // not for a time; 60 s tells the two apart with room for a loaded machine.
        var never = new TaskCompletionSource();
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Server.Faults.Add(held, Fault.Hold(100, never.Task, reached));
        using var ps = Session.Create(script, Vars);
        var run = ps.BeginInvoke();
        await reached.Task.WaitAsync(TimeSpan.FromMinutes(2));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Task.Factory.FromAsync(ps.BeginStop(null, null), ps.EndStop);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"stopping took {watch.Elapsed}");
        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
        Assert.True(run.IsCompleted);
        never.SetResult();
    }
}
