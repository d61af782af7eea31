using System.Management.Automation;
using MaasImages.Engine.Layout;
using MaasImages.TestServer;

namespace MaasImages.PowerShell.Tests;

/// <summary>
/// What Save-MaasImage and Install-MaasBootloader tell: the bytes of -PassThru (each counted once),
/// the one summary line that ends a run, the -WhatIf plan per image, and resumes.
/// </summary>
public sealed class SaveReportingTests() : ServedSampleTests("maasimages-report-")
{
    private const string Jammy = "Get-MaasImageVersion -Source $url -Keyring $keyring -Release jammy -Arch amd64 -Latest";

    /// <summary>Body bytes the server sent for image and bootloader files (not the metadata documents).</summary>
    private long FileBytesSent => Server.Requests.Where(r => !r.Path.Contains("/streams/", StringComparison.Ordinal)).Sum(r => r.BytesSent);

    [Theory]
    [InlineData("Mirror")]
    [InlineData("Rack")]
    public void PassThru_counts_each_fetched_byte_once_so_the_outputs_add_up_to_what_the_server_sent(string layout)
    {
        // ga, hwe and lowlatency share one squashfs; its first answer breaks off, so it is resumed too.
        Server.Faults.Add("*squashfs", Fault.DropAfter(20_000));
        var result = Session.Run($"{Jammy} | Save-MaasImage -Path $dest -Layout {layout} -PassThru -RetryIntervalSec 0", Vars);
        Assert.Empty(result.Errors);
        var saved = result.Objects<MaasSavedImage>();
        Assert.Equal(3, saved.Length);
        Assert.Equal(FileBytesSent, saved.Sum(s => s.BytesDownloaded));
        Assert.Equal(1, saved.Count(s => s.BytesDownloaded >= 49_000)); // the squashfs, for one image only

        // Again: nothing is fetched, and what is reused counts once too.
        var again = Session.Run($"{Jammy} | Save-MaasImage -Path $dest -Layout {layout} -PassThru", Vars).Objects<MaasSavedImage>();
        Assert.Equal(0, again.Sum(s => s.BytesDownloaded));
        Assert.Equal(saved.SelectMany(s => s.Image.Files).DistinctBy(f => f.Sha256).Where(f => f.FileType != "manifest" || layout == "Mirror")
            .Sum(f => f.Size), again.Sum(s => s.BytesReused));
    }

    [Fact]
    public void Every_run_ends_with_one_summary_line_on_the_verbose_and_information_streams()
    {
        using var first = Session.Create($"{Jammy} | Save-MaasImage -Path $dest -Verbose", Vars);
        first.Invoke();
        Assert.Empty(first.Streams.Error);
        var line = Assert.Single(first.Streams.Information).MessageData.ToString()!;
        Assert.Matches(@"^Saved 3 images \(Rack\): fetched 7 files, [\d.]+ KiB; reused 0 files, 0 B; pruned nothing; made snapshot-\d{8}-\d{6}(-\d+)? and switched 'current' to it\.$", line);
        Assert.Equal(line, first.Streams.Verbose[^1].Message);

        using var again = Session.Create($"{Jammy} | Save-MaasImage -Path $dest -Prune", Vars);
        again.Invoke();
        Assert.Equal("Saved 3 images (Rack): fetched 0 files, 0 B; reused 7 files, " + line.Split("KiB")[0].Split(", ")[^1] + "KiB; pruned nothing; no snapshot made.",
            Assert.Single(again.Streams.Information).MessageData.ToString());

        // -Prune with another selection: the jammy images go.
        using var prune = Session.Create("Get-MaasImageVersion -Source $url -Keyring $keyring -Release noble -Arch amd64 -Subarch ga-24.04 -Latest | Save-MaasImage -Path $dest -Prune", Vars);
        prune.Invoke();
        Assert.Matches(@"^Saved 1 image \(Rack\): fetched 3 files, .*; reused 0 files, 0 B; pruned 3 images; made snapshot-", Assert.Single(prune.Streams.Information).MessageData.ToString());

        using var mirror = Session.Create($"{Jammy} | Save-MaasImage -Path (Join-Path $dest mirror) -Layout Mirror", Vars);
        mirror.Invoke();
        Assert.Matches(@"^Saved 3 images \(Mirror\): fetched 8 files, .*; reused 0 files, 0 B; pruned nothing; no snapshot \(mirror layout\)\.$",
            Assert.Single(mirror.Streams.Information).MessageData.ToString());

        using var install = Session.Create("Install-MaasBootloader -Source $url -Keyring $keyring -Path $dest", Vars);
        install.Invoke();
        Assert.Empty(install.Streams.Error);
        Assert.Matches(@"^Installed \d+ bootloaders \(Rack\): fetched \d+ files, .*; made snapshot-", Assert.Single(install.Streams.Information).MessageData.ToString());
    }

    [Fact]
    public void A_failed_image_is_counted_in_the_summary()
    {
        Server.Faults.Add("*hwe-22.04/generic/boot-kernel", Fault.Status(404), count: -1);
        using var ps = Session.Create($"{Jammy} | Save-MaasImage -Path $dest", Vars);
        ps.Invoke();
        Assert.Single(ps.Streams.Error);
        Assert.StartsWith("Saved 2 of 3 images (1 failed) (Rack): fetched 6 files", Assert.Single(ps.Streams.Information).MessageData.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void WhatIf_lists_each_image_as_new_updated_or_unchanged_and_with_Verbose_each_file_to_fetch()
    {
        var host = new CapturingHost();
        using var session = new PowerShellSession(host);
        var noble = "Get-MaasImageVersion -Source $url -Keyring $keyring -Release noble -Arch amd64";
        Assert.Empty(session.Run($"@({noble} -Subarch ga-24.04 -VersionName 20250701) + @({noble} -Subarch hwe-24.04 -Latest) | Save-MaasImage -Path $dest", Vars).Errors);

        var whatIf = session.Run($"@({noble} -Latest) + @({Jammy} -Subarch ga-22.04 -Kflavor generic) | Save-MaasImage -Path $dest -WhatIf -Verbose", Vars);
        Assert.Empty(whatIf.Errors);
        var lines = host.Lines.SkipWhile(l => !l.StartsWith("What if: Save 3 image versions (Rack)", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(lines);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(lines[0], @"fetch 5 of 8 files, [\d.]+ KiB; reuse 3 files, [\d.]+ KiB\.$"), string.Join("\n", lines));
        Assert.Equal(["  updated    ubuntu noble amd64 ga-24.04 20250718 (was 20250701)", "  unchanged  ubuntu noble amd64 hwe-24.04 20250718",
            "  new        ubuntu jammy amd64 ga-22.04 20250718"], lines.Skip(1).Take(3).OrderBy(l => l.Contains("jammy")));
        var fetches = whatIf.Verbose.Where(v => v.StartsWith("Would fetch ", StringComparison.Ordinal)).ToList();
        Assert.Equal(5, fetches.Count); // jammy's kernel, initrd and squashfs; noble ga's new kernel and initrd
        Assert.Contains(fetches, f => f.StartsWith("Would fetch jammy/amd64/20250718/squashfs: ", StringComparison.Ordinal));
        Assert.Empty(Directory.GetFiles(Path.Combine(Destination, "cache"), "*.partial"));

        // -Force -WhatIf: what is there is re-hashed, not "fetch 0".
        var before = host.Lines.Count;
        session.Run($"{noble} -Subarch hwe-24.04 -Latest | Save-MaasImage -Path $dest -Force -WhatIf", Vars);
        var force = Assert.Single(host.Lines.Skip(before), l => l.StartsWith("What if: ", StringComparison.Ordinal));
        Assert.Matches(@"fetch nothing; reuse 3 files, [\d.]+ KiB, of which -Force re-hashes 3 files, [\d.]+ KiB \(a file found wrong is fetched again\)\.$", force);
    }

    [Fact]
    public void A_resumed_download_is_planned_reported_and_summed_up_as_resumed()
    {
        var host = new CapturingHost();
        using var session = new PowerShellSession(host);
        var ga = "Get-MaasImageVersion -Source $url -Keyring $keyring -Release noble -Arch amd64 -Subarch ga-24.04 -Latest";
        Server.Faults.Add("*squashfs", Fault.DropAfter(20_000));
        var broken = session.Run($"{ga} | Save-MaasImage -Path $dest -MaximumRetryCount 0", Vars);
        Assert.Single(broken.Errors); // the squashfs broke off: its partial stays
        Assert.Equal(20_000, new FileInfo(Assert.Single(Directory.GetFiles(Path.Combine(Destination, "cache"), "*.partial"))).Length);

        session.Run($"{ga} | Save-MaasImage -Path $dest -WhatIf -Verbose", Vars);
        var plan = Assert.Single(host.Lines, l => l.StartsWith("What if: ", StringComparison.Ordinal));
        Assert.Contains("fetch 1 of 3 files, 48.", plan, StringComparison.Ordinal);
        Assert.Contains("(resume 1 file: 19.5 KiB already here)", plan, StringComparison.Ordinal);

        Server.ResetCounters();
        using var ps = session.Create($"{ga} | Save-MaasImage -Path $dest -Verbose", Vars);
        ps.Invoke();
        Assert.Empty(ps.Streams.Error);
        var sent = FileBytesSent;
        var squashfs = Assert.Single(ps.Streams.Verbose, v => v.Message.StartsWith("noble/amd64/20250718/squashfs: ", StringComparison.Ordinal)).Message;
        Assert.Matches(@"^noble/amd64/20250718/squashfs: 48\.1 KiB, of which 28\.6 KiB fetched now \(resumed\) in [\d.]+ s, 1 attempt, sha256 verified$", squashfs);
        Assert.Contains($"fetched 1 file, {Engine.Formatting.ByteSize.Format(sent)} (1 file resumed: 19.5 KiB of it was already here)",
            Assert.Single(ps.Streams.Information).MessageData.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_a_stop_it_says_once_that_the_partial_files_are_kept_for_the_next_run()
    {
        var host = new CapturingHost();
        using var session = new PowerShellSession(host);
        var never = new TaskCompletionSource(); // a gate the test controls: the squashfs is still downloading when stopped
        Server.Faults.Add("*squashfs", Fault.Hold(10_000, never.Task));
        using var ps = session.Create("Get-MaasImageVersion -Source $url -Keyring $keyring -Release noble -Arch amd64 -Subarch ga-24.04 -Latest | Save-MaasImage -Path $dest", Vars);
        var pending = ps.BeginInvoke();
        var cache = Path.Combine(Destination, "cache");
        // Waits for a state, not for a time (the download is held, so it cannot finish first); the deadline only turns a hang into a failure.
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!(Directory.Exists(cache) && Directory.EnumerateFiles(cache, "*.partial").Any(f => new FileInfo(f).Length > 0)) && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        await Task.Factory.FromAsync(ps.BeginStop(null, null), ps.EndStop);
        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
        Assert.True(pending.IsCompleted);
        // The squashfs is held; a small file may still have been under way too on a loaded machine.
        var kept = Directory.GetFiles(cache, "*.partial").Select(f => new FileInfo(f).Length).Where(n => n > 0).ToList();
        Assert.NotEmpty(kept);
        // One line ends the run: what it fetched, the partials kept, no snapshot.
        var note = Assert.Single(host.Warnings);
        Assert.Matches(@"^Save-MaasImage \(Rack\) stopped: fetched (nothing|\d files?, [\d.]+ KiB); ", note);
        Assert.EndsWith(kept.Count == 1
            ? $"; the partial download ({Engine.Formatting.ByteSize.Format(kept[0])}) is kept; the next run resumes it; no snapshot made."
            : $"; {kept.Count} partial downloads ({Engine.Formatting.ByteSize.Format(kept.Sum())}) are kept; the next run resumes them; no snapshot made.", note,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Install_MaasBootloader_WhatIf_lists_each_bootloader_as_new_or_unchanged()
    {
        var host = new CapturingHost();
        using var session = new PowerShellSession(host);
        const string install = "Install-MaasBootloader -Source $url -Keyring $keyring -Path $dest -Type uefi -Arch amd64";
        session.Run($"{install} -WhatIf", Vars);
        var plan = host.Lines.SkipWhile(l => !l.StartsWith("What if: Install 1 bootloader (Rack)", StringComparison.Ordinal)).Take(2).ToList();
        Assert.Matches(@": fetch 2 of 2 files, [\d.]+ KiB; reuse 0 files, 0 B\.$", plan[0]);
        Assert.Matches(@"^  new        grub-efi-signed uefi/amd64 \S+$", plan[1]);
        Assert.False(Directory.Exists(Destination));

        Assert.Empty(session.Run(install, Vars).Errors);
        var before = host.Lines.Count;
        session.Run($"{install} -WhatIf", Vars);
        var again = host.Lines.Skip(before).SkipWhile(l => !l.StartsWith("What if: ", StringComparison.Ordinal)).Take(2).ToList();
        Assert.EndsWith(": everything is already there, nothing to fetch.", again[0], StringComparison.Ordinal);
        Assert.Matches(@"^  unchanged  grub-efi-signed uefi/amd64 \S+$", again[1]);
    }
}
