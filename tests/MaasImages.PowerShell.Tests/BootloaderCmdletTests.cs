using System.Management.Automation;
using MaasImages.Engine.Layout.BootLinks;
using MaasImages.Engine.Layout.Bootloaders;
using MaasImages.TestServer;

namespace MaasImages.PowerShell.Tests;

/// <summary>Install-MaasBootloader and New-MaasBootLink in-process: pipeline, -WhatIf, -PassThru, statuses, error ids, format views.</summary>
public sealed class BootloaderCmdletTests() : ServedSampleTests("maasimages-boot-")
{
    [Fact]
    public void Install_from_the_pipeline_emits_bootloaders_and_a_rerun_of_the_links_reports_unchanged()
    {
        var result = Session.Run("Get-MaasStream -Source $url -Keyring $keyring | Install-MaasBootloader -Path $dest -PassThru", Vars);
        Assert.Empty(result.Errors);
        var installed = result.Objects<MaasBootloader>();
        Assert.Equal(["open-firmware/ppc64el", "pxe/i386", "uefi/amd64", "uefi/arm64"], installed.Select(b => $"{b.Type}/{b.Arch}").Order());
        Assert.All(installed, b => Assert.All(b.Files, f => Assert.True(File.Exists(f), f)));

        // The alias, given boot-resources itself: works in current.
        var links = Session.Run("New-MaasBootLinks -Path $dest", Vars);
        Assert.Empty(links.Errors);
        var made = links.Objects<MaasBootLink>();
        Assert.Equal(13, made.Length);
        Assert.All(made, l => Assert.Equal(BootLinkStatus.Unchanged, l.Status));
        Assert.Equal(BootLinkKind.Directory, made.Single(l => l.Name == "syslinux").Kind);
        Assert.All(made, l => Assert.StartsWith(Path.Combine(Destination, "current"), l.Path, StringComparison.Ordinal));
    }

    [Fact]
    public void WhatIf_plans_and_touches_nothing()
    {
        var result = Session.Run("Install-MaasBootloader -Source $url -Keyring $keyring -Path $dest -WhatIf -PassThru", Vars);
        Assert.Empty(result.Errors);
        Assert.Empty(result.Output);
        Assert.False(Directory.Exists(Destination));
        Assert.DoesNotContain(Server.Requests, r => r.Path.Contains(".tar.xz", StringComparison.Ordinal));
    }

    [Fact]
    public void A_file_in_the_way_is_LinkPathOccupied_until_Force_replaces_it()
    {
        Session.Run("Install-MaasBootloader -Source $url -Keyring $keyring -Path $dest -Type uefi", Vars);
        var current = Path.Combine(Destination, "current");
        File.Delete(Path.Combine(current, "bootx64.efi"));
        File.WriteAllText(Path.Combine(current, "bootx64.efi"), "copied by hand");

        var refused = Session.Run("New-MaasBootLink (Join-Path $dest current) -WarningAction SilentlyContinue", Vars);
        var error = Assert.Single(refused.Errors);
        Assert.StartsWith("LinkPathOccupied,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.WriteError, error.CategoryInfo.Category);
        Assert.Empty(refused.Output);

        var forced = Session.Run("New-MaasBootLink (Join-Path $dest current) -Force", Vars);
        Assert.Empty(forced.Errors);
        var links = forced.Objects<MaasBootLink>().ToDictionary(l => l.Name);
        Assert.Equal(BootLinkStatus.Updated, links["bootx64.efi"].Status);
        Assert.Equal("bootloader/uefi/amd64/bootx64.efi", new FileInfo(Path.Combine(current, "bootx64.efi")).LinkTarget);
        Assert.Equal(BootLinkStatus.Missing, links["bootppc64.bin"].Status);
        Assert.Contains(forced.Warnings, w => w.Contains("bootppc64.bin", StringComparison.Ordinal));
    }

    [Fact]
    public void New_MaasBootLink_WhatIf_changes_nothing()
    {
        Session.Run("Install-MaasBootloader -Source $url -Keyring $keyring -Path $dest -Type pxe", Vars);
        var current = Path.Combine(Destination, "current");
        File.Delete(Path.Combine(current, "chain.c32"));
        var result = Session.Run("New-MaasBootLink (Join-Path $dest current) -WhatIf", Vars);
        Assert.Empty(result.Errors);
        Assert.DoesNotContain(result.Objects<MaasBootLink>(), l => l.Name == "chain.c32");
        Assert.Null(new FileInfo(Path.Combine(current, "chain.c32")).LinkTarget);
    }

    [Fact]
    public void Install_Prune_removes_the_bootloaders_not_selected_rack_and_mirror_never_images()
    {
        var rack = Path.Combine(Destination, "rack");
        var mirror = Path.Combine(Destination, "mirror");
        var vars = new Dictionary<string, object?>(Vars) { ["rack"] = rack, ["mirror"] = mirror };
        Assert.Empty(Session.Run(
            "Get-MaasImageVersion -Source $url -Keyring $keyring -Release noble -Arch arm64 -Subarch ga-24.04 -Latest | Save-MaasImage -Path $rack; " +
            "Install-MaasBootloader -Source $url -Keyring $keyring -Path $rack -WarningAction SilentlyContinue; " +
            "Get-MaasImageVersion -Source $url -Keyring $keyring -Release noble -Arch arm64 -Subarch ga-24.04 -Latest | Save-MaasImage -Path $mirror -Layout Mirror; " +
            "Install-MaasBootloader -Source $url -Keyring $keyring -Path $mirror -Layout Mirror", vars).Errors);

        var result = Session.Run(
            "Install-MaasBootloader -Source $url -Keyring $keyring -Path $rack -Type uefi -Prune -Verbose -WarningAction SilentlyContinue; " +
            "Install-MaasBootloader -Source $url -Keyring $keyring -Path $mirror -Layout Mirror -Type uefi -Prune -Verbose", vars);
        Assert.Empty(result.Errors);
        var current = Path.Combine(rack, "current");
        Assert.Equal(["uefi"], Directory.GetDirectories(Path.Combine(current, "bootloader")).Select(Path.GetFileName));
        Assert.Contains("Pruned bootloader/pxe/i386: not selected by this run.", result.Verbose);
        Assert.True(File.Exists(Path.Combine(current, "ubuntu/arm64/ga-24.04/noble/stable/boot-kernel")));
        Assert.False(File.Exists(Path.Combine(mirror, "bootloaders/pxe/i386/20250715.0/syslinux.tar.xz")));
        Assert.True(File.Exists(Path.Combine(mirror, "bootloaders/uefi/arm64/20250715.0/grub2-signed.tar.xz")));
        Assert.True(File.Exists(Path.Combine(mirror, "noble/arm64/20250718/ga-24.04/generic/boot-kernel")));
        Assert.Contains("Pruned bootloaders/pxe/i386/20250715.0/syslinux.tar.xz.", result.Verbose);
    }

    [Fact]
    public void Commands_declare_their_parameters_output_types_and_views()
    {
        var install = Session.Run("(Get-Command Install-MaasBootloader).Parameters.Keys").Output.Select(o => o.ToString()).ToHashSet();
        foreach (var name in new[] { "Stream", "Source", "Name", "Keyring", "SkipSignatureCheck", "Path", "Type", "Arch", "All", "Layout", "ThrottleLimit", "Force", "Prune", "PassThru", "WhatIf", "Confirm" })
            Assert.Contains(name, install);
        var links = Session.Run("(Get-Command New-MaasBootLink).Parameters.Keys").Output.Select(o => o.ToString()).ToHashSet();
        foreach (var name in new[] { "Path", "LockTimeoutSec", "Force", "WhatIf" })
            Assert.Contains(name, links);
        var types = Session.Run("(Get-Command Install-MaasBootloader).OutputType.Type.Name; (Get-Command New-MaasBootLinks).ResolvedCommand.OutputType.Type.Name").Output.Select(o => o.ToString()).ToList();
        Assert.Equal(["MaasBootloader", "MaasBootLink"], types);

        Session.Run("Install-MaasBootloader -Source $url -Keyring $keyring -Path $dest -Type pxe", Vars);
        var table = Session.Run("New-MaasBootLink (Join-Path $dest current) -WarningAction SilentlyContinue | Out-String -Width 120", Vars);
        var text = Assert.Single(table.Output).ToString()!;
        Assert.Matches(@"Name\s+Kind\s+Status\s+Target", text);
        Assert.All(text.Split('\n'), line => Assert.True(line.TrimEnd().Length <= 120, line));
    }
}
