using MaasImages.Engine.Inventory;
using MaasImages.Engine.Streams;

namespace MaasImages.PowerShell.Tests;

/// <summary>Get-MaasBootResource in-process: the pipeline a user types, filters, Compare-Object across types, error ids, views.</summary>
public sealed class BootResourceCmdletTests() : ServedSampleTests("maasimages-inventory-")
{
    [Fact]
    public void Get_lists_what_Save_and_Install_wrote_and_filters_by_type_and_release()
    {
        var saved = Session.Run("Get-MaasStream -Source $url -Keyring $keyring | Get-MaasImageVersion -Arch amd64 -Latest | Save-MaasImage -Path $dest; " +
                                "Get-MaasStream -Source $url -Keyring $keyring | Install-MaasBootloader -Path $dest", Vars);
        Assert.Empty(saved.Errors);

        var all = Session.Run("Get-MaasBootResource -Path $dest", Vars);
        Assert.Empty(all.Errors);
        var resources = all.Objects<MaasBootResource>();
        Assert.Equal(4, resources.Count(r => r.Type == MaasBootResourceType.Bootloader));
        Assert.Contains(resources, r => r.Os == "centos");

        var jammy = Session.Run("Get-MaasBootResource $dest 22.04 -Type Image -Subarch ga-*", Vars).Objects<MaasBootResource>();
        Assert.Equal(["ga-22.04", "ga-22.04"], jammy.Select(r => r.Subarch));
        Assert.Equal(["generic", "lowlatency"], jammy.Select(r => r.Kflavor).Order());

        // -Release, -Arch and -Subarch complete without network.
        foreach (var (input, expected) in new[] { ("Get-MaasBootResource x -Subarch hwe-22", "hwe-22.04"), ("Get-MaasBootResource x -Release cent", "centos70"),
                     ("Get-MaasBootResource x -Arch arm", "arm64"), ("Get-MaasBootResource x -Type Boot", "Bootloader") })
        {
            var completed = Session.Run("(TabExpansion2 -inputScript $text -cursorColumn $text.Length).CompletionMatches.CompletionText",
                new Dictionary<string, object?> { ["text"] = input });
            Assert.Contains(expected, completed.Output.Select(o => o.ToString()));
        }

        var bootloaders = Session.Run("Get-MaasBootResource $dest -Type Bootloader -Os grub*", Vars).Objects<MaasBootResource>();
        Assert.Equal(["open-firmware", "uefi", "uefi"], bootloaders.Select(b => b.BootloaderType).Order());
    }

    [Fact]
    public void Compare_Object_works_across_local_and_upstream_objects_by_property()
    {
        Session.Run("Get-MaasStream -Source $url -Keyring $keyring | Get-MaasImageVersion -Release noble -Arch arm64 -MaxVersions 2 | " +
                    "Where-Object VersionName -eq 20250701 | Save-MaasImage -Path $dest -Layout Mirror", Vars);
        var result = Session.Run(
            "$upstream = Get-MaasStream -Source $url -Keyring $keyring | Get-MaasImageVersion -Release noble -Arch arm64 -Latest; " +
            "Compare-Object (Get-MaasBootResource $dest) $upstream -Property ProductName, VersionName, Os, Release, Arch, Subarch, Kflavor, Label, ContentId |" +
            " Sort-Object SideIndicator, ProductName | ForEach-Object { \"$($_.SideIndicator) $($_.VersionName)\" }", Vars);
        Assert.Empty(result.Errors);
        Assert.Equal(["<= 20250701", "<= 20250701", "=> 20250718", "=> 20250718"], result.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void LiteralPath_takes_brackets_as_they_are_and_errors_carry_their_ids()
    {
        var folder = Path.Combine(Destination, "boot[1]");
        var vars = Vars;
        vars["folder"] = folder;
        Session.Run("Get-MaasStream -Source $url -Keyring $keyring | Get-MaasImageVersion -Release noble -Arch amd64 -Subarch ga-* -Latest | Save-MaasImage -LiteralPath $folder", vars);
        var listed = Session.Run("Get-MaasBootResource -LiteralPath $folder", vars);
        Assert.Empty(listed.Errors);
        Assert.Single(listed.Objects<MaasBootResource>());

        var missing = Session.Run("Get-MaasBootResource -LiteralPath (Join-Path $dest nothing-here)", Vars);
        Assert.StartsWith("NotABootResourceTree,", Assert.Single(missing.Errors).FullyQualifiedErrorId, StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(folder, "current", "maas.meta.new"), "{");
        File.Move(Path.Combine(folder, "current", "maas.meta.new"), Path.Combine(folder, "current", "maas.meta"), overwrite: true);
        var damaged = Session.Run("Get-MaasBootResource -LiteralPath $folder", vars);
        Assert.StartsWith("MalformedMaasMeta,", Assert.Single(damaged.Errors).FullyQualifiedErrorId, StringComparison.Ordinal);
    }

    [Fact]
    public void The_table_views_show_resources_and_their_files()
    {
        Session.Run("Get-MaasStream -Source $url -Keyring $keyring | Get-MaasImageVersion -Release noble -Arch amd64 -Subarch ga-* -Latest | Save-MaasImage -Path $dest", Vars);
        var table = string.Join("\n", Session.Run("Get-MaasBootResource $dest | Out-String -Width 200", Vars).Output);
        Assert.Contains("TotalSize", table, StringComparison.Ordinal);
        Assert.Contains("ga-24.04", table, StringComparison.Ordinal);
        Assert.Contains("com.ubuntu.maas.stable:v3:boot:24.04:amd64:ga-24.04", table, StringComparison.Ordinal);
        var files = string.Join("\n", Session.Run("(Get-MaasBootResource $dest).Files | Out-String -Width 200", Vars).Output);
        Assert.Contains("RelativePath", files, StringComparison.Ordinal);
        Assert.Contains("ubuntu/amd64/generic/noble/stable/squashfs", files, StringComparison.Ordinal);
        Assert.Equal("MaasImages.Engine.Inventory.MaasBootResource",
            Session.Run("(Get-Command Get-MaasBootResource).OutputType.Name").Output.Single().ToString());
    }
}
