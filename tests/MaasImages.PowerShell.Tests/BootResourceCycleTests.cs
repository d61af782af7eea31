using MaasImages.Engine.Inventory;
using MaasImages.Engine.Layout;

namespace MaasImages.PowerShell.Tests;

/// <summary>Compare-MaasBootResource and Test-MaasBootResource in-process, piped with the existing cmdlets as an operator would.</summary>
public sealed class BootResourceCycleTests() : ServedSampleTests("maasimages-cycle-")
{
    [Fact]
    public void Compare_gives_one_status_per_product_and_only_the_updates_go_on_to_Save()
    {
        var old = Session.Run("Get-MaasStream -Source $url -Keyring $keyring | Get-MaasImageVersion -Release jammy -Arch amd64 -VersionName 20250701 | Save-MaasImage -Path $dest; " +
                              "Get-MaasStream -Source $url -Keyring $keyring | Get-MaasImageVersion -Os centos -Latest | Save-MaasImage -Path $dest", Vars);
        Assert.Empty(old.Errors);

        var compared = Session.Run("Get-MaasStream -Source $url -Keyring $keyring | Get-MaasImageVersion -Os ubuntu -Arch amd64 -Latest | Compare-MaasBootResource -Path $dest", Vars);
        Assert.Empty(compared.Errors);
        var results = compared.Objects<MaasBootResourceComparison>().ToDictionary(r => r.ProductName);
        var ga = results["com.ubuntu.maas.stable:v3:boot:22.04:amd64:ga-22.04"];
        Assert.Equal((MaasBootResourceStatus.UpdateAvailable, "20250701", "20250718"), (ga.Status, ga.LocalVersion, ga.UpstreamVersion));
        Assert.Equal(MaasBootResourceStatus.NotSaved, results["com.ubuntu.maas.stable:v3:boot:24.04:amd64:ga-24.04"].Status);
        Assert.Null(results["com.ubuntu.maas.stable:v3:boot:24.04:amd64:ga-24.04"].LocalVersion);
        var centos = results["com.ubuntu.maas.stable:centos-bases:7.0:amd64"];
        Assert.Equal((MaasBootResourceStatus.LocalOnly, "20240702_01", null), (centos.Status, centos.LocalVersion, centos.UpstreamVersion));
        Assert.Equal(3, results.Values.Count(r => r.Status == MaasBootResourceStatus.UpdateAvailable));

        // The pipeline the issue asks for: only the updates are saved.
        Server.ResetCounters();
        var updated = Session.Run("Get-MaasStream -Source $url -Keyring $keyring | Get-MaasImageVersion -Os ubuntu -Arch amd64 -Latest | Compare-MaasBootResource -Path $dest | " +
                                  "Where-Object Status -eq UpdateAvailable | Save-MaasImage -Path $dest -PassThru", Vars);
        Assert.Empty(updated.Errors);
        Assert.Equal(results.Values.Where(r => r.Status == MaasBootResourceStatus.UpdateAvailable).Select(r => r.ProductName).Order(),
            updated.Objects<MaasSavedImage>().Select(s => s.ProductName).Order());
        Assert.DoesNotContain(Server.Requests, r => r.Path.StartsWith("/noble/", StringComparison.Ordinal));

        var again = Session.Run("Get-MaasStream -Source $url -Keyring $keyring | Get-MaasImageVersion -Os ubuntu -Release jammy -Arch amd64 -Latest | Compare-MaasBootResource $dest", Vars)
            .Objects<MaasBootResourceComparison>();
        Assert.All(again.Where(r => r.Os == "ubuntu"), r => Assert.Equal(MaasBootResourceStatus.UpToDate, r.Status));
        var table = string.Join("\n", Session.Run("Get-MaasStream -Source $url -Keyring $keyring | Get-MaasImageVersion -Os ubuntu -Release jammy -Arch amd64 -Latest | " +
                                                   "Compare-MaasBootResource $dest | Out-String -Width 200", Vars).Output);
        Assert.Contains("UpstreamVersion", table, StringComparison.Ordinal);
        Assert.Contains("UpToDate", table, StringComparison.Ordinal);
    }

    [Fact]
    public void Test_reports_each_file_Quiet_returns_one_bool_and_Repair_fixes_the_tree()
    {
        Session.Run("Get-MaasStream -Source $url -Keyring $keyring | Get-MaasImageVersion -Release noble -Arch amd64 -Subarch ga-* -Latest | Save-MaasImage -Path $dest", Vars);
        var sound = Session.Run("Test-MaasBootResource $dest", Vars);
        Assert.Empty(sound.Errors);
        Assert.All(sound.Objects<MaasBootResourceCheck>(), c => Assert.Equal(MaasFileCheckStatus.Ok, c.Status));
        Assert.Equal([true], Session.Run("Test-MaasBootResource $dest -Quiet", Vars).Objects<bool>());

        var kernel = Path.Combine(Destination, "current", "ubuntu", "amd64", "ga-24.04", "noble", "stable", "boot-kernel");
        File.AppendAllText(kernel, "damage");
        Assert.Equal([false], Session.Run("Test-MaasBootResource $dest -Quiet", Vars).Objects<bool>());
        var found = Session.Run("Test-MaasBootResource -LiteralPath $dest | Where-Object Status -ne Ok", Vars).Objects<MaasBootResourceCheck>();
        Assert.Equal(["ubuntu/amd64/ga-24.04/noble/stable/boot-kernel", "ubuntu/amd64/generic/noble/stable/boot-kernel"], found.Select(c => c.RelativePath));
        Assert.All(found, c => Assert.Equal(MaasFileCheckStatus.Corrupt, c.Status));
        var table = string.Join("\n", Session.Run("Test-MaasBootResource $dest | Out-String -Width 200", Vars).Output);
        Assert.Contains("Corrupt", table, StringComparison.Ordinal);
        Assert.Matches(@"Corrupt\s+False\s+\S+ \S+ ubuntu/amd64/ga-24.04/noble/stable/boot-kernel", table); // the path whole, not a hash prefix

        var whatIf = Session.Run("Test-MaasBootResource $dest -Repair -WhatIf -Quiet", Vars);
        Assert.Equal([false], whatIf.Objects<bool>());
        Assert.Equal([false], Session.Run("Test-MaasBootResource $dest -Quiet", Vars).Objects<bool>());

        var repaired = Session.Run("Test-MaasBootResource $dest -Repair -Quiet", Vars);
        Assert.Empty(repaired.Errors);
        Assert.Equal([true], repaired.Objects<bool>());
        Assert.Equal([true], Session.Run("Test-MaasBootResource $dest -Quiet", Vars).Objects<bool>());
    }
}
