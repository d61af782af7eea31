using MaasImages.Engine.Inventory;

namespace MaasImages.PowerShell.Tests;

/// <summary>
/// Remove-MaasBootResource in-process: piped from Get-MaasBootResource or by -Path and filters,
/// rack and mirror; -WhatIf changes nothing; ConfirmImpact High; -PassThru; completers.
/// </summary>
public sealed class RemoveCmdletTests() : ServedSampleTests("maasimages-remove-")
{
    private static string Fingerprint(string root) => string.Join("\n",
        Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(p => $"{p} {(File.Exists(p) ? new FileInfo(p).Length : -1)} {new FileInfo(p).LinkTarget}"));

    private void SaveRack()
    {
        var result = Session.Run(
            "Get-MaasImageVersion -Source $url -Keyring $keyring -Release jammy, noble -Arch amd64 -Latest | Save-MaasImage -Path $dest; " +
            "Install-MaasBootloader -Source $url -Keyring $keyring -Path $dest", Vars);
        Assert.Empty(result.Errors);
    }

    [Fact]
    public void Piped_from_Get_MaasBootResource_one_of_two_releases_goes_from_a_rack_tree()
    {
        SaveRack();
        var before = new FileInfo(Path.Combine(Destination, "current")).LinkTarget;
        var result = Session.Run("Get-MaasBootResource -Path $dest -Release jammy | Remove-MaasBootResource -Confirm:$false -PassThru", Vars);
        Assert.Empty(result.Errors);
        var removed = result.Objects<MaasBootResource>();
        Assert.Equal(3, removed.Length);
        Assert.All(removed, r => Assert.Equal("jammy", r.Release));
        Assert.NotEqual(before, new FileInfo(Path.Combine(Destination, "current")).LinkTarget);
        var left = Session.Run("Get-MaasBootResource -Path $dest -Type Image | ForEach-Object Release | Sort-Object -Unique", Vars);
        Assert.Equal("noble", Assert.Single(left.Output).ToString());
        Assert.DoesNotContain("jammy", File.ReadAllText(Path.Combine(Destination, "current", "maas.meta")), StringComparison.Ordinal);
    }

    [Fact]
    public void WhatIf_by_path_or_piped_changes_nothing()
    {
        SaveRack();
        var before = Fingerprint(Destination);
        using var ps = Session.Create("Remove-MaasBootResource -Path $dest -Release jammy -WhatIf -PassThru; Get-MaasBootResource $dest -Release noble | Remove-MaasBootResource -WhatIf", Vars);
        var output = ps.Invoke();
        Assert.Empty(ps.Streams.Error);
        Assert.Empty(output);
        Assert.Equal(before, Fingerprint(Destination));
    }

    [Fact]
    public void ConfirmImpact_is_High_and_the_filters_and_Type_select()
    {
        var result = Session.Run("$c = Get-Command Remove-MaasBootResource; $c.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false).ConfirmImpact", Vars);
        Assert.Equal("High", Assert.Single(result.Output).ToString());
        SaveRack();
        var removed = Session.Run("Remove-MaasBootResource -Path $dest -Type Bootloader -Arch arm64 -Confirm:$false -PassThru -Verbose", Vars);
        Assert.Empty(removed.Errors);
        Assert.Equal("uefi", Assert.Single(removed.Objects<MaasBootResource>()).BootloaderType);
        Assert.Contains(removed.Verbose, v => v.StartsWith("Removed the root link bootaa64.efi", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(Destination, "current", "bootx64.efi")));
    }

    [Fact]
    public void Mirror_removal_by_path_and_KeepSnapshots_is_refused_there()
    {
        var saved = Session.Run("Get-MaasImageVersion -Source $url -Keyring $keyring -Release jammy, noble -Arch arm64 -Latest | Save-MaasImage -Path $dest -Layout Mirror", Vars);
        Assert.Empty(saved.Errors);
        var refused = Session.Run("try { Remove-MaasBootResource -Path $dest -Release jammy -KeepSnapshots 1 -Confirm:$false } catch { $_.FullyQualifiedErrorId }", Vars);
        Assert.StartsWith("LayoutParameterMismatch,", Assert.Single(refused.Output).ToString(), StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(Destination, "jammy")));

        var result = Session.Run("Remove-MaasBootResource -Path $dest -Release jammy -Confirm:$false", Vars);
        Assert.Empty(result.Errors);
        Assert.False(Directory.Exists(Path.Combine(Destination, "jammy")));
        Assert.True(Directory.Exists(Path.Combine(Destination, "noble")));
        var nothing = Session.Run("Remove-MaasBootResource -Path $dest -Release jammy -Confirm:$false", Vars);
        Assert.Contains(nothing.Warnings, w => w.StartsWith("Nothing to remove", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Remove-MaasBootResource -Path . -Release ja", "jammy")]
    [InlineData("Remove-MaasBootResource -Path . -Arch ar", "arm64")]
    [InlineData("Remove-MaasBootResource -Path . -Type B", "Bootloader")]
    public void Argument_completers_offer_values(string input, string expected)
    {
        var result = Session.Run("(TabExpansion2 -inputScript $text -cursorColumn $text.Length).CompletionMatches.CompletionText",
            new Dictionary<string, object?> { ["text"] = input });
        Assert.Contains(expected, result.Output.Select(o => o.ToString()));
    }
}
