using System.Management.Automation;
using MaasImages.Engine.Formatting;
using MaasImages.Engine.Transfer;
using MaasImages.TestServer;

namespace MaasImages.PowerShell.Tests;

/// <summary>
/// Every Save-MaasImage / Install-MaasBootloader run ends with exactly one summary line, also when
/// it has nothing to do, or when an error (terminating, or the first one under -ErrorAction Stop)
/// or a stop (Ctrl+C) cuts it short: the line says how it ended and only what was really done.
/// </summary>
public sealed class RunEndingTests() : ServedSampleTests("maasimages-ending-")
{
    private const string GaOnly = "Get-MaasImageVersion -Source $url -Keyring $keyring -Release noble -Arch amd64 -Subarch ga-24.04 -Latest";
    private const string Save = GaOnly + " | Save-MaasImage -Path $dest";
    private const string Install = "Install-MaasBootloader -Source $url -Keyring $keyring -Path $dest -Type uefi";

    private bool NothingFetched => !Server.Requests.Any(r => !r.Path.Contains("/streams/", StringComparison.Ordinal));

    /// <summary>The one summary line: on the Information stream, and the same text on the Verbose stream.</summary>
    private static string SummaryLine(System.Management.Automation.PowerShell ps)
    {
        var line = Assert.Single(ps.Streams.Information).MessageData.ToString()!;
        Assert.Single(ps.Streams.Verbose, v => v.Message == line);
        Assert.DoesNotContain(ps.Streams.Verbose, v => v.Message.StartsWith("Saved ", StringComparison.Ordinal) || v.Message.StartsWith("Installed ", StringComparison.Ordinal));
        return line;
    }

    private System.Collections.ObjectModel.Collection<PSObject> Output { get; set; } = [];

    /// <summary>Runs a script (which asks for -Verbose), keeping its output in <see cref="Output"/>.</summary>
    private System.Management.Automation.PowerShell Invoke(PowerShellSession session, string script)
    {
        var ps = session.Create(script, Vars);
        Output = ps.Invoke();
        return ps;
    }

    [Fact]
    public void A_Save_with_nothing_piped_says_it_did_nothing()
    {
        using var empty = Invoke(Session, "@() | Save-MaasImage -Path $dest -Verbose");
        Assert.Equal("Save-MaasImage (Rack) did nothing: no image versions came down the pipeline.", SummaryLine(empty));

        // A typo upstream: the warning says which value, the line says nothing was saved.
        using var typo = Invoke(Session, "Get-MaasImageVersion -Source $url -Keyring $keyring -Release nobel | Save-MaasImage -Path $dest -Layout Mirror -Verbose");
        Assert.Equal("Save-MaasImage (Mirror) did nothing: no image versions came down the pipeline.", SummaryLine(typo));
        Assert.False(Directory.Exists(Destination));
    }

    [Fact]
    public void An_Install_with_no_bootloader_matching_says_it_did_nothing()
    {
        using var ps = Invoke(Session, "Install-MaasBootloader -Source $url -Keyring $keyring -Path $dest -Type open-firmware -Arch amd64 -Verbose");
        Assert.Empty(ps.Streams.Error);
        Assert.Equal("Install-MaasBootloader (Rack) did nothing: stream 'stable' has no bootloader matching the selection.", SummaryLine(ps));
    }

    [Theory]
    [InlineData(Save, "Save-MaasImage")]
    [InlineData(Install, "Install-MaasBootloader")]
    public async Task A_run_refused_by_the_lock_says_it_stopped_on_DestinationLocked_and_fetched_nothing(string script, string command)
    {
        System.Management.Automation.PowerShell ps;
        using (await DestinationLock.AcquireAsync(Destination, TimeSpan.Zero, _ => { }, CancellationToken.None)) // another run
            ps = Invoke(Session, script + " -LockTimeoutSec 0 -Verbose");
        using (ps)
        {
            Assert.StartsWith("DestinationLocked,", Assert.Single(ps.Streams.Error).FullyQualifiedErrorId, StringComparison.Ordinal);
            var line = SummaryLine(ps);
            Assert.StartsWith($"{command} (Rack) stopped by error DestinationLocked: fetched nothing; no snapshot made. '{Destination}' is being written by another run",
                line, StringComparison.Ordinal);
            Assert.Contains($"pid {Environment.ProcessId}", line, StringComparison.Ordinal);
            Assert.True(NothingFetched);
        }
    }

    [MountFact]
    public void A_run_refused_for_lack_of_disk_space_says_it_stopped_on_InsufficientDiskSpace_and_fetched_nothing()
    {
        using var mount = Mount.Tmpfs(Destination, "size=16k");
        using var ps = Invoke(Session, Save + " -Verbose");
        Assert.StartsWith("InsufficientDiskSpace,", Assert.Single(ps.Streams.Error).FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.StartsWith("Save-MaasImage (Rack) stopped by error InsufficientDiskSpace: fetched nothing; no snapshot made. Not enough free space on ",
            SummaryLine(ps), StringComparison.Ordinal);
        Assert.True(NothingFetched);
    }

    [Fact]
    public void The_first_error_under_ErrorAction_Stop_ends_the_run_with_a_line_that_claims_no_save()
    {
        Server.Faults.Add("*squashfs", Fault.Status(404), count: -1);
        var host = new CapturingHost();
        using var session = new PowerShellSession(host);
        using var ps = Invoke(session, $"try {{ {Save} -ThrottleLimit 1 -ErrorAction Stop -Verbose }} catch {{ $_.FullyQualifiedErrorId }}");
        Assert.StartsWith("DownloadFailed,", Assert.Single(Output).ToString(), StringComparison.Ordinal);
        Assert.Empty(host.Warnings);
        var line = SummaryLine(ps);
        Assert.Matches(@"^Save-MaasImage \(Rack\) stopped by error DownloadFailed \(-ErrorAction Stop\): fetched (nothing|\d files?, [\d.]+ KiB); no snapshot made\. ", line);
        Assert.Contains("squashfs", line, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Destination, "current")));
    }

    [Fact]
    public void A_declined_confirmation_says_the_run_did_nothing()
    {
        using var session = new PowerShellSession(new CapturingHost("No"));
        using var ps = Invoke(session, Install + " -Confirm -Verbose");
        Assert.Equal("Install-MaasBootloader (Rack) did nothing: the confirmation was declined.", SummaryLine(ps));
        Assert.True(NothingFetched);

        // -WhatIf is not a run: it describes one, and sums up nothing.
        using var whatIf = Invoke(session, Install + " -WhatIf -Verbose");
        Assert.Empty(whatIf.Streams.Information);
    }

    [Theory]
    [InlineData("Rack", "no snapshot made")]
    [InlineData("Mirror", "no snapshot (mirror layout)")]
    public async Task Install_MaasBootloader_stopped_says_once_what_it_fetched_and_that_the_partial_is_kept_and_the_next_run_resumes_it(string layout, string snapshot)
    {
        var host = new CapturingHost();
        using var session = new PowerShellSession(host);
        var never = new TaskCompletionSource(); // a gate the test controls: syslinux is still downloading when stopped
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Server.Faults.Add("*/syslinux.tar.xz", Fault.Hold(10_000, never.Task, reached));
        var install = $"Install-MaasBootloader -Source $url -Keyring $keyring -Path $dest -Type pxe -Arch i386 -Layout {layout}";
        using var ps = session.Create(install + " -ThrottleLimit 1 -StallTimeoutSec 86400", Vars);
        var pending = ps.BeginInvoke();
        // Waits for states, not for a time: the server holds the body after 10,000 bytes, and the client has written some of them.
        await reached.Task.WaitAsync(TimeSpan.FromMinutes(2));
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!Partials().Any(f => f.Length > 0) && DateTime.UtcNow < deadline) await Task.Delay(50);
        await Task.Factory.FromAsync(ps.BeginStop(null, null), ps.EndStop).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
        Assert.True(pending.IsCompleted);

        var kept = Assert.Single(Partials()); // one file at a time: the held one
        Assert.Equal($"Install-MaasBootloader ({layout}) stopped: fetched nothing; the partial download ({ByteSize.Format(kept.Length)}) is kept; the next run resumes it; {snapshot}.",
            Assert.Single(host.Warnings));

        // The next run continues the partial with a Range request.
        Server.Faults.Clear();
        Server.ResetCounters();
        Assert.Empty(session.Run(install, Vars).Errors);
        Assert.Contains(Server.Requests, r => r.Path.EndsWith("syslinux.tar.xz", StringComparison.Ordinal) && r.Range is not null && r.Status == 206);
        Assert.Empty(Partials());
    }

    private List<FileInfo> Partials() =>
        Directory.Exists(Destination) ? Directory.GetFiles(Destination, "*.partial", SearchOption.AllDirectories).Select(f => new FileInfo(f)).ToList() : [];
}
