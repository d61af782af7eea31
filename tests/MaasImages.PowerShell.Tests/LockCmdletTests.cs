using System.Management.Automation;
using MaasImages.Engine.Layout.BootLinks;
using MaasImages.Engine.Transfer;

namespace MaasImages.PowerShell.Tests;

/// <summary>New-MaasBootLink is a writer like the others: it waits for the destination's lock.</summary>
public sealed class LockCmdletTests() : ServedSampleTests("maasimages-lock-")
{
    [Fact]
    public async Task New_MaasBootLink_waits_while_another_run_holds_the_destination()
    {
        Assert.Empty(Session.Run("Install-MaasBootloader -Source $url -Keyring $keyring -Path $dest -Type uefi", Vars).Errors);
        var link = Path.Combine(Destination, "current", "bootx64.efi");
        File.Delete(link);

        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var ps = Session.Create("New-MaasBootLink -Path (Join-Path $dest current)", Vars);
        ps.Streams.Warning.DataAdded += (_, _) => waiting.TrySetResult();
        Task<PSDataCollection<PSObject>> finished;
        using (await DestinationLock.AcquireAsync(Destination, TimeSpan.Zero, _ => { }, CancellationToken.None)) // e.g. a Save-MaasImage switching current
        {
            var invocation = ps.BeginInvoke();
            await waiting.Task.WaitAsync(TimeSpan.FromMinutes(2));
            Assert.StartsWith("Waiting for another run to finish with", ps.Streams.Warning[0].Message, StringComparison.Ordinal);
            // The warning names the holder from its record, read although the holder's lock refuses readers that lock.
            Assert.Matches($@"\(held by pid {Environment.ProcessId} on {System.Text.RegularExpressions.Regex.Escape(Environment.MachineName)} since \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\dZ\)",
                ps.Streams.Warning[0].Message);
            Assert.Null(new FileInfo(link).LinkTarget); // nothing made while the lock is held
            finished = Task.Run(() => ps.EndInvoke(invocation));
            Assert.False(invocation.IsCompleted);
        }
        var links = await finished.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Empty(ps.Streams.Error);
        Assert.Equal(BootLinkStatus.Created, links.Select(o => (MaasBootLink)o.BaseObject).Single(l => l.Name == "bootx64.efi").Status);
        Assert.Equal("bootloader/uefi/amd64/bootx64.efi", new FileInfo(link).LinkTarget);
    }
}
