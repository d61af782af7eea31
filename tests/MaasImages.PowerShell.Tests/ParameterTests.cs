using System.Management.Automation;
using MaasImages.Engine.Layout.BootLinks;
using MaasImages.Engine.Layout.Bootloaders;

namespace MaasImages.PowerShell.Tests;

/// <summary>
/// -LiteralPath and escaped -Path for the tree-writing cmdlets; Install-MaasBootloader takes the
/// transfer parameters of Save-MaasImage (same names, defaults and ranges), and its -Proxy also
/// carries the metadata reads.
/// </summary>
public sealed class ParameterTests() : ServedSampleTests("maasimages-params-")
{
    private static readonly string[] TransferParameters = ["MaximumRetryCount", "RetryIntervalSec", "StallTimeoutSec", "LockTimeoutSec", "Proxy", "ProxyCredential"];

    [Fact]
    public void LiteralPath_installs_into_a_folder_whose_name_has_brackets_and_New_MaasBootLink_takes_it_too()
    {
        var result = Session.Run("Install-MaasBootloader -Source $url -Keyring $keyring -LiteralPath (Join-Path $dest 'br[1]') -Type pxe -WarningAction SilentlyContinue", Vars);
        Assert.Empty(result.Errors);
        Assert.True(File.Exists(Path.Combine(Destination, "br[1]", "current", "maas.meta")));

        var links = Session.Run("New-MaasBootLink -LiteralPath (Join-Path $dest 'br[1]') -WarningAction SilentlyContinue", Vars);
        Assert.Empty(links.Errors);
        Assert.Contains(links.Objects<MaasBootLink>(), l => l.Name == "pxelinux.0" && l.Status == BootLinkStatus.Unchanged);
    }

    [Fact]
    public void An_escaped_Path_means_the_characters_not_backticks_in_the_folder_name()
    {
        var result = Session.Run("Get-MaasImageVersion -Source $url -Keyring $keyring -Release noble -Arch arm64 -Latest | Save-MaasImage -Path (Join-Path $dest 'br`[2`]')", Vars);
        Assert.Empty(result.Errors);
        Assert.True(File.Exists(Path.Combine(Destination, "br[2]", "current", "maas.meta")));
        Assert.Empty(Directory.GetDirectories(Destination, "*`*"));

        var install = Session.Run("Install-MaasBootloader -Source $url -Keyring $keyring -Path (Join-Path $dest 'br`[2`]') -Type pxe -WarningAction SilentlyContinue", Vars);
        Assert.Empty(install.Errors);
        Assert.True(Directory.Exists(Path.Combine(Destination, "br[2]", "current", "bootloader", "pxe", "i386")));
        Assert.Empty(Directory.GetDirectories(Destination, "*`*"));
    }

    [Fact]
    public void Install_has_the_transfer_parameters_of_Save_with_the_same_ranges_and_defaults()
    {
        foreach (var name in TransferParameters)
        {
            var ranges = Session.Run(
                "param($n) foreach ($c in 'Save-MaasImage', 'Install-MaasBootloader') { $p = (Get-Command $c).Parameters[$n]; " +
                "\"$($p.ParameterType.Name) $(($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateRangeAttribute] } | ForEach-Object { \"$($_.MinRange)-$($_.MaxRange)\" }))\" }"
                .Replace("param($n)", $"$n = '{name}';", StringComparison.Ordinal));
            Assert.Equal(2, ranges.Output.Count);
            Assert.Equal(ranges.Output[0].ToString(), ranges.Output[1].ToString());
        }
        var save = new Commands.SaveMaasImageCommand();
        var install = new Commands.InstallMaasBootloaderCommand();
        Assert.Equal(save.MaximumRetryCount, install.MaximumRetryCount);
        Assert.Equal(save.RetryIntervalSec, install.RetryIntervalSec);
        Assert.Equal(save.StallTimeoutSec, install.StallTimeoutSec);
        Assert.Equal(save.LockTimeoutSec, install.LockTimeoutSec);
        Assert.Null(install.Proxy);
    }

    [Fact]
    public void Install_LockTimeoutSec_is_honoured()
    {
        Directory.CreateDirectory(Destination);
        using var held = new FileStream(Path.Combine(Destination, ".maasimages.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        var result = Session.Run("Install-MaasBootloader -Source $url -Keyring $keyring -Path $dest -Type pxe -LockTimeoutSec 1 -WarningAction SilentlyContinue", Vars);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("DestinationLocked,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
    }

    [Fact]
    public void New_MaasBootLink_has_LockTimeoutSec_like_the_other_writers_and_honours_it()
    {
        var range = "param($c) $p = (Get-Command $c).Parameters['LockTimeoutSec']; \"$($p.ParameterType.Name) $(($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateRangeAttribute] } | ForEach-Object { \"$($_.MinRange)-$($_.MaxRange)\" }))\"";
        Assert.Equal(Session.Run($"& {{ {range} }} Save-MaasImage").Output.Single().ToString(), Session.Run($"& {{ {range} }} New-MaasBootLink").Output.Single().ToString());
        Assert.Equal(new Commands.SaveMaasImageCommand().LockTimeoutSec, new Commands.NewMaasBootLinkCommand().LockTimeoutSec);

        Assert.Empty(Session.Run("Install-MaasBootloader -Source $url -Keyring $keyring -Path $dest -Type pxe -WarningAction SilentlyContinue", Vars).Errors);
        var link = Path.Combine(Destination, "current", "pxelinux.0");
        File.Delete(link);
        using (new FileStream(Path.Combine(Destination, ".maasimages.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            var result = Session.Run("New-MaasBootLink -Path $dest -LockTimeoutSec 0 -WarningAction SilentlyContinue", Vars);
            var error = Assert.Single(result.Errors);
            Assert.StartsWith("DestinationLocked,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.False(File.Exists(link) || new FileInfo(link).LinkTarget is not null, "no link is made while another run holds the lock");
        }
    }

    [Fact]
    public void Install_Proxy_carries_the_metadata_reads_and_the_downloads()
    {
        // A host that does not exist: reachable only through the proxy (the test server, which
        // answers a proxied absolute-form request from its folder).
        var result = Session.Run("Install-MaasBootloader -Source http://maas-mirror.invalid/ -Keyring $keyring -Proxy $url -Path $dest -Type pxe -PassThru -WarningAction SilentlyContinue", Vars);
        Assert.Empty(result.Errors);
        Assert.Equal("pxe", Assert.Single(result.Objects<MaasBootloader>()).Type);
        Assert.Contains(Server.Requests, r => r.Path.Contains("streams/v1/index", StringComparison.Ordinal));
        Assert.Contains(Server.Requests, r => r.Path.EndsWith(".tar.xz", StringComparison.Ordinal));
    }
}
