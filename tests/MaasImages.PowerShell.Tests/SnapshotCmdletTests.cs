using MaasImages.Engine.Inventory;

namespace MaasImages.PowerShell.Tests;

/// <summary>
/// The rack snapshot cycle through the cmdlets: Save/Install -KeepSnapshots, Get-MaasBootSnapshot
/// piped into Restore-MaasBootResource, -WhatIf, error ids, views and completion; and the
/// retention parameters refused with the layout they do not belong to.
/// </summary>
public sealed class SnapshotCmdletTests() : ServedSampleTests("maasimages-snapshots-")
{
    private string CurrentTarget() => new FileInfo(Path.Combine(Destination, "current")).LinkTarget!;

    private void SaveTwoVersions()
    {
        var result = Session.Run(
            "Get-MaasImageVersion -Source $url -Keyring $keyring -Release jammy -Arch amd64 -VersionName 20250701 | Save-MaasImage -Path $dest -KeepSnapshots 2; " +
            "Install-MaasBootloader -Source $url -Keyring $keyring -Path $dest -KeepSnapshots 2 -Type uefi; " +
            "Get-MaasImageVersion -Source $url -Keyring $keyring -Release jammy -Arch amd64 -VersionName 20250718 | Save-MaasImage -Path $dest -KeepSnapshots 2", Vars);
        Assert.Empty(result.Errors);
    }

    [Fact]
    public void Snapshots_listed_pipe_into_Restore_and_current_serves_the_restored_one()
    {
        SaveTwoVersions();
        var listed = Session.Run("Get-MaasBootSnapshot -Path $dest", Vars).Objects<MaasBootSnapshot>();
        Assert.Equal(3, listed.Length);
        Assert.True(listed[0].IsCurrent);
        Assert.Equal(CurrentTarget(), listed[0].Name);
        var withBootloaders = listed[1];
        Assert.Equal(2, withBootloaders.BootloaderCount); // uefi amd64 and arm64

        var result = Session.Run("Get-MaasBootSnapshot -Path $dest -Name $name | Restore-MaasBootResource -PassThru -Confirm:$false",
            new Dictionary<string, object?>(Vars) { ["name"] = withBootloaders.Name });
        Assert.Empty(result.Errors);
        var restored = Assert.Single(result.Objects<MaasBootSnapshot>());
        Assert.Equal(withBootloaders.Name, restored.Name);
        Assert.True(restored.IsCurrent);
        Assert.Equal(withBootloaders.Name, CurrentTarget());
        Assert.Contains("\"version_name\": \"20250701\"", File.ReadAllText(Path.Combine(Destination, "current", "maas.meta")), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(Destination, "current", "bootx64.efi")));

        Assert.Equal(withBootloaders.Name, Assert.Single(Session.Run("(Get-MaasBootSnapshot $dest -Current).Name", Vars).Output).ToString());
        var table = Assert.Single(Session.Run("Get-MaasBootSnapshot $dest | Out-String -Width 120", Vars).Output).ToString();
        Assert.Contains("Bootloaders", table, StringComparison.Ordinal);
        Assert.Contains(withBootloaders.Name, table, StringComparison.Ordinal);
        Assert.All(table.Split('\n'), line => Assert.True(line.TrimEnd().Length <= 120, line));
    }

    [Fact]
    public void Listing_a_folder_that_does_not_exist_ends_with_FolderNotFound_and_creates_nothing()
    {
        var absent = Path.Combine(Destination, "no-such-folder");
        var result = Session.Run("try { Get-MaasBootSnapshot -LiteralPath $absent } catch { $_.FullyQualifiedErrorId; $_.TargetObject; $_.Exception.Message }",
            new Dictionary<string, object?>(Vars) { ["absent"] = absent });
        var output = result.Output.Select(o => o.ToString()).ToList();
        Assert.StartsWith("FolderNotFound", output[0], StringComparison.Ordinal);
        Assert.Equal(absent, output[1]);
        Assert.Contains("boot-resources folder", output[2], StringComparison.Ordinal);
        Assert.False(Directory.Exists(absent));
    }

    [Fact]
    public void Previous_is_the_default_and_WhatIf_changes_nothing()
    {
        SaveTwoVersions();
        var newest = CurrentTarget();
        var whatIf = Session.Run("Restore-MaasBootResource -Path $dest -WhatIf -PassThru", Vars);
        Assert.Empty(whatIf.Errors);
        Assert.Empty(whatIf.Output);
        Assert.Equal(newest, CurrentTarget());

        var result = Session.Run("Restore-MaasBootResource $dest -Verbose", Vars);
        Assert.Empty(result.Errors);
        Assert.Empty(result.Output);
        Assert.NotEqual(newest, CurrentTarget());
        Assert.Contains(result.Verbose, v => v.Contains($"(was {newest})", StringComparison.Ordinal));
        Assert.Equal(3, Directory.GetDirectories(Destination, "snapshot-*").Length); // a restore removes nothing
    }

    [Theory]
    [InlineData("-Snapshot '../x'", "UnsafePath")]
    [InlineData("-Snapshot snapshot-20000101-000000", "SnapshotNotFound")]
    [InlineData("-Snapshot .building-snapshot-20000101-000000", "InvalidSnapshot")]
    [InlineData("-Previous", "SnapshotNotFound")]
    public void Refusals_carry_their_error_id_and_change_nothing(string arguments, string errorId)
    {
        var saved = Session.Run("Get-MaasImageVersion -Source $url -Keyring $keyring -Release jammy -Arch amd64 -Latest | Save-MaasImage -Path $dest", Vars);
        Assert.Empty(saved.Errors);
        var before = CurrentTarget();
        foreach (var whatIf in new[] { "", " -WhatIf" })
        {
            var result = Session.Run($"try {{ Restore-MaasBootResource -Path $dest {arguments}{whatIf} -Confirm:$false }} catch {{ $_.FullyQualifiedErrorId }}", Vars);
            Assert.StartsWith(errorId + ",", Assert.Single(result.Output).ToString(), StringComparison.Ordinal);
            Assert.Equal(before, CurrentTarget());
        }
    }

    [Theory]
    [InlineData("Save-MaasImage -Path $dest -Layout Mirror -KeepSnapshots 1", "KeepSnapshots")]
    [InlineData("Save-MaasImage -Path $dest -KeepVersions 1", "KeepVersions")]
    [InlineData("Save-MaasImage -Path $dest -Layout Rack -KeepVersions 1", "KeepVersions")]
    public void A_retention_parameter_of_the_other_layout_is_LayoutParameterMismatch(string save, string parameter)
    {
        var result = Session.Run($"try {{ Get-MaasImageVersion -Source $url -Keyring $keyring -Release jammy -Arch amd64 -Latest | {save} }} catch {{ $_.FullyQualifiedErrorId; $_.TargetObject }}", Vars);
        Assert.StartsWith("LayoutParameterMismatch,", result.Output[0].ToString(), StringComparison.Ordinal);
        Assert.Equal(parameter, result.Output[1].ToString());
        Assert.False(Directory.Exists(Destination));
        var install = Session.Run("try { Install-MaasBootloader -Source $url -Keyring $keyring -Path $dest -Layout Mirror -KeepSnapshots 1 } catch { $_.FullyQualifiedErrorId }", Vars);
        Assert.StartsWith("LayoutParameterMismatch,", Assert.Single(install.Output).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Mirror_KeepVersions_through_the_cmdlet_keeps_the_newest_version()
    {
        var result = Session.Run(
            "Get-MaasImageVersion -Source $url -Keyring $keyring -Release noble -Arch arm64 -Subarch ga-24.04 -VersionName 20250701 | Save-MaasImage -Path $dest -Layout Mirror; " +
            "Get-MaasImageVersion -Source $url -Keyring $keyring -Release noble -Arch arm64 -Subarch ga-24.04 -VersionName 20250718 | Save-MaasImage -Path $dest -Layout Mirror -KeepVersions 1 -Verbose", Vars);
        Assert.Empty(result.Errors);
        Assert.False(Directory.Exists(Path.Combine(Destination, "noble/arm64/20250701")));
        Assert.True(File.Exists(Path.Combine(Destination, "noble/arm64/20250718/ga-24.04/generic/boot-kernel")));
        Assert.Contains(result.Verbose, v => v.StartsWith("Removed noble/arm64/20250701/ga-24.04/generic/boot-kernel (keeping the newest version)", StringComparison.Ordinal));
        // The mirror still reads as a stream, with the kept version's files.
        var read = Session.Run("Get-MaasImageVersion -Source $dest -Keyring $keyring -Release noble -Arch arm64 -Subarch ga-24.04 -Latest | ForEach-Object VersionName", Vars);
        Assert.Equal("20250718", Assert.Single(read.Output).ToString());
    }

    [Theory]
    [InlineData("Restore-MaasBootResource -Path '{0}' -Snapshot snap")]
    [InlineData("Get-MaasBootSnapshot -Path '{0}' -Name snap")]
    public void Snapshot_names_complete_from_the_folder_given_with_Path(string command)
    {
        SaveTwoVersions();
        var input = string.Format(System.Globalization.CultureInfo.InvariantCulture, command, Destination);
        var result = Session.Run("(TabExpansion2 -inputScript $text -cursorColumn $text.Length).CompletionMatches.CompletionText",
            new Dictionary<string, object?> { ["text"] = input });
        var offered = result.Output.Select(o => o.ToString()).ToList();
        Assert.Equal(Directory.GetDirectories(Destination, "snapshot-*").Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal),
            offered.Order(StringComparer.Ordinal));
    }
}
