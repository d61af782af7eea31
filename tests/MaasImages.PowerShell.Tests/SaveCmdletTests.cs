using System.Management.Automation;
using MaasImages.Engine.Layout;
using MaasImages.TestServer;

namespace MaasImages.PowerShell.Tests;

/// <summary>Save-MaasImage in-process: progress records, -WhatIf, error ids, path resolution.</summary>
public sealed class SaveCmdletTests() : ServedSampleTests("maasimages-save-")
{
    [Fact]
    public void Progress_shows_an_overall_bar_with_child_bars_and_always_ends_with_completed()
    {
        // A gate the test controls: the squashfs is held half-way until a child bar has been shown.
        var release = new TaskCompletionSource();
        Server.Faults.Add("*squashfs", Fault.Hold(20_000, release.Task));
        using var ps = Session.Create("Get-MaasImageVersion -Source $url -Keyring $keyring -Release noble -Arch amd64 -Subarch ga-24.04 -Latest | Save-MaasImage -Path $dest", Vars);
        ps.Streams.Progress.DataAdded += (_, e) =>
        {
            if (ps.Streams.Progress[e.Index] is { ParentActivityId: 1, RecordType: ProgressRecordType.Processing }) release.TrySetResult();
        };
        ps.Invoke();
        Assert.Empty(ps.Streams.Error);
        var progress = ps.Streams.Progress.ToList();
        var overall = progress.Where(p => p.ActivityId == 1).ToList();
        Assert.NotEmpty(overall);
        Assert.Equal(ProgressRecordType.Completed, overall[^1].RecordType);
        Assert.Contains(progress, p => p.ParentActivityId == 1 && p.RecordType == ProgressRecordType.Processing);
        Assert.All(progress.Where(p => p.ParentActivityId == 1).GroupBy(p => p.ActivityId),
            child => Assert.Equal(ProgressRecordType.Completed, child.Last().RecordType));
        Assert.Contains(overall, p => p.StatusDescription.Contains("/s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stop_ends_a_download_promptly_and_keeps_the_partial_for_the_next_run()
    {
        var never = new TaskCompletionSource(); // a gate the test controls: the squashfs is still downloading when stopped
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Server.Faults.Add("*squashfs", Fault.Hold(10_000, never.Task, reached));
        // One file at a time, so the held squashfs is the only download under way when stopped; and a
        // stall timeout of a day, so only a stop that cancels the download ends it before the deadline.
        using var ps = Session.Create("Get-MaasImageVersion -Source $url -Keyring $keyring -Release noble -Arch amd64 -Subarch ga-24.04 -Latest | " +
            "Save-MaasImage -Path $dest -ThrottleLimit 1 -StallTimeoutSec 86400", Vars);
        var pending = ps.BeginInvoke();
        var partial = Path.Combine(Destination, "cache");
        // Waits for states, not for a time: the server holds the body after 10,000 bytes, and the client
        // has written some of them. The deadlines only turn a hang into a failure.
        await reached.Task.WaitAsync(TimeSpan.FromMinutes(2));
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!(Directory.Exists(partial) && Directory.EnumerateFiles(partial, "*.partial").Any(f => new FileInfo(f).Length > 0)) && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        await Task.Factory.FromAsync(ps.BeginStop(null, null), ps.EndStop).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
        Assert.True(pending.IsCompleted);
        var entries = string.Join(", ", Directory.GetFileSystemEntries(Destination, "*", SearchOption.AllDirectories));
        Assert.True(Directory.GetFiles(partial, "*.partial").Length == 1, entries);
        var kept = Directory.GetFiles(partial, "*.partial")[0];
        Assert.True(new FileInfo(kept).Length > 0);
        Assert.False(File.Exists(Path.Combine(Destination, "current")), "nothing is switched by a stopped run");

        // The next run continues the partial with a Range request.
        Server.Faults.Clear();
        var result = Session.Run("Get-MaasImageVersion -Source $url -Keyring $keyring -Release noble -Arch amd64 -Subarch ga-24.04 -Latest | Save-MaasImage -Path $dest", Vars);
        Assert.Empty(result.Errors);
        Assert.Contains(Server.Requests, r => r.Path.EndsWith("squashfs", StringComparison.Ordinal) && r.Range is not null && r.Status == 206);
        Assert.True(File.Exists(Path.Combine(Destination, "current", "maas.meta")));
        Assert.Empty(Directory.GetFiles(partial, "*.partial"));
    }

    [Fact]
    public void WhatIf_reports_the_plan_and_touches_nothing()
    {
        var result = Session.Run("Get-MaasImageVersion -Source $url -Keyring $keyring -Release jammy -Latest | Save-MaasImage -Path $dest -WhatIf -PassThru", Vars);
        Assert.Empty(result.Errors);
        Assert.Empty(result.Output);
        Assert.False(Directory.Exists(Destination));
        Assert.DoesNotContain(Server.Requests, r => !r.Path.Contains("streams/", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Get-MaasImageVersion -Source $url -Keyring $keyring -Release jammy -Latest | Save-MaasImage -Path $dest -WhatIf")]
    [InlineData("Install-MaasBootloader -Source $url -Keyring $keyring -Path $dest -WhatIf")]
    public void WhatIf_in_the_rack_layout_reports_the_StaleMetadata_a_real_run_would(string script)
    {
        // The destination was saved from newer products documents than the stream now offers.
        Directory.CreateDirectory(Destination);
        var record = Path.Combine(Destination, ".maasimages-metadata.json");
        File.WriteAllText(record, """
            {"com.ubuntu.maas:stable:1:bootloader-download": "Thu, 01 Jan 2099 00:00:00 +0000",
             "com.ubuntu.maas:stable:v3:download": "Thu, 01 Jan 2099 00:00:00 +0000"}
            """);
        var whatIf = Session.Run(script, Vars);
        var error = Assert.Single(whatIf.Errors);
        Assert.StartsWith("StaleMetadata,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains("Thu, 01 Jan 2099 00:00:00 GMT", error.Exception.Message, StringComparison.Ordinal);

        var real = Session.Run(script.Replace(" -WhatIf", "", StringComparison.Ordinal), Vars);
        Assert.Equal(error.Exception.Message, Assert.Single(real.Errors).Exception.Message);
        Assert.Equal([".maasimages-metadata.json"], Directory.GetFileSystemEntries(Destination).Select(Path.GetFileName).Where(n => n != ".maasimages.lock"));
        Assert.DoesNotContain(Server.Requests, r => !r.Path.Contains("streams/", StringComparison.Ordinal));
    }

    [Fact]
    public void A_relative_path_is_resolved_against_the_powershell_location_and_PassThru_emits_saved_images()
    {
        Directory.CreateDirectory(Destination);
        var result = Session.Run("Set-Location $dest; Get-MaasImageVersion -Source $url -Keyring $keyring -Release noble -Arch arm64 -Latest | Save-MaasImage ./br -PassThru", Vars);
        Assert.Empty(result.Errors);
        var saved = result.Objects<MaasSavedImage>();
        Assert.Equal(2, saved.Length);
        Assert.All(saved, s => Assert.StartsWith(Path.Combine(Destination, "br"), s.Path, StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(Destination, "br", "current", "maas.meta")));
    }

    [Fact]
    public void Engine_failures_end_the_command_with_their_stable_id()
    {
        Server.Faults.Add("*boot-kernel", Fault.Status(404), count: -1);
        var result = Session.Run("try { Get-MaasImageVersion -Source $url -Keyring $keyring -Release noble -Arch arm64 -Latest | Save-MaasImage -Path $dest -ErrorAction Stop } catch { $_.FullyQualifiedErrorId; $_.CategoryInfo.Category }", Vars);
        Assert.StartsWith("DownloadFailed,", result.Output[0].ToString(), StringComparison.Ordinal);
        Assert.Equal(nameof(ErrorCategory.ConnectionError), result.Output[1].ToString());
    }

    [Fact]
    public void Declared_parameters_match_the_issue()
    {
        var result = Session.Run("(Get-Command Save-MaasImage).Parameters.Keys");
        var names = result.Output.Select(o => o.ToString()).ToHashSet();
        foreach (var name in new[] { "InputObject", "Path", "LiteralPath", "Layout", "ThrottleLimit", "Force", "PassThru", "WhatIf", "Confirm", "Prune", "Proxy", "ProxyCredential" })
            Assert.Contains(name, names);
    }
}
