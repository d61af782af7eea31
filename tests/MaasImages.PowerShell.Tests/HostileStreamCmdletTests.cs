using System.Management.Automation;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using MaasImages.Engine.Layout.Bootloaders;
using MaasImages.Engine.Streams;
using MaasImages.TestServer;

namespace MaasImages.PowerShell.Tests;

/// <summary>
/// The cmdlets on a hostile (unsigned, edited) copy of the sample stream: a products-document value
/// that would climb out of the destination ends the command with UnsafePath, and nothing under the
/// scratch folder (destination and its neighbours) changes.
/// </summary>
public sealed class HostileStreamCmdletTests : IAsyncLifetime
{
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "maasimages-hostile-" + Guid.NewGuid().ToString("N"));
    private readonly PowerShellSession _session = new();
    private StreamServer _server = null!;

    private string Served => Path.Combine(_scratch, "served");
    private string Destination => Path.Combine(_scratch, "a", "b", "boot-resources");
    private Dictionary<string, object?> Vars => new() { ["url"] = _server.BaseUri.AbsoluteUri, ["dest"] = Destination };

    public async Task InitializeAsync()
    {
        foreach (var file in Directory.EnumerateFiles(PowerShellSession.SampleStream, "*", SearchOption.AllDirectories))
        {
            if (file.EndsWith(".sjson", StringComparison.Ordinal) || file.EndsWith(".gpg", StringComparison.Ordinal)) continue;
            var copy = Path.Combine(Served, Path.GetRelativePath(PowerShellSession.SampleStream, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }
        Directory.CreateDirectory(Destination);
        File.WriteAllText(Path.Combine(_scratch, "a", "keep.txt"), "beside the destination");
        _server = await StreamServer.StartAsync(Served);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _session.Dispose();
        Directory.Delete(_scratch, recursive: true);
    }

    private void Edit(string document, string product, string property, string value)
    {
        var path = Path.Combine(Served, "streams", "v1", document);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        json["products"]![product]![property] = value;
        File.WriteAllText(path, json.ToJsonString());
    }

    /// <summary>Replaces a served bootloader archive with <paramref name="bytes"/>, the products document saying so.</summary>
    private void ServeArchive(string product, string version, string item, byte[] bytes)
    {
        var path = Path.Combine(Served, "streams", "v1", "com.ubuntu.maas:stable:1:bootloader-download.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var entry = json["products"]![product]!["versions"]![version]!["items"]![item]!;
        File.WriteAllBytes(Path.Combine(Served, entry["path"]!.GetValue<string>()), bytes);
        entry["sha256"] = Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
        entry["size"] = bytes.Length;
        File.WriteAllText(path, json.ToJsonString());
    }

    private const string PxeI386 = "com.ubuntu.maas.stable:1:pxelinux:pxe:i386";
    private const string Ppc64el = "com.ubuntu.maas.stable:1:grub-ieee1275:open-firmware:ppc64el";

    private void ServeHostileArchives()
    {
        var archive = Path.Combine(_scratch, "hostile.tar.xz");
        TestArchives.Create("traversal", archive, "evil-" + Guid.NewGuid().ToString("N"));
        ServeArchive(PxeI386, "20250715.0", "syslinux", File.ReadAllBytes(archive));
        ServeArchive(Ppc64el, "20250715.0", "grub2", TestArchives.WithBadBlockCheck(Path.Combine(Served, "bootloaders/open-firmware/ppc64el/20250715.0/grub2.tar.xz")));
        File.Delete(archive);
    }

    [Fact]
    public void Install_a_hostile_or_damaged_archive_is_one_error_per_bootloader_and_the_others_are_installed()
    {
        ServeHostileArchives();
        var result = _session.Run("$installed = Install-MaasBootloader -Source $url -SkipSignatureCheck -Path $dest -PassThru -WarningAction SilentlyContinue; $?; $installed", Vars);

        Assert.Equal(2, result.Errors.Count);
        var unsafeArchive = Assert.Single(result.Errors, e => e.FullyQualifiedErrorId.StartsWith("UnsafeArchive,", StringComparison.Ordinal));
        Assert.Equal(ErrorCategory.SecurityError, unsafeArchive.CategoryInfo.Category);
        Assert.Equal(PxeI386, Assert.IsType<MaasImageVersion>(unsafeArchive.TargetObject).ProductName);
        var corrupt = Assert.Single(result.Errors, e => e.FullyQualifiedErrorId.StartsWith("CorruptArchive,", StringComparison.Ordinal));
        Assert.Equal(ErrorCategory.InvalidData, corrupt.CategoryInfo.Category);
        Assert.Equal(Ppc64el, Assert.IsType<MaasImageVersion>(corrupt.TargetObject).ProductName);
        Assert.False((bool)result.Output[0].BaseObject, "$? is false after a non-terminating error");
        var installed = result.Output.Skip(1).Select(o => (MaasBootloader)o.BaseObject).ToList();
        Assert.Equal(["uefi/amd64", "uefi/arm64"], installed.Select(b => $"{b.Type}/{b.Arch}").Order());
        var current = Path.Combine(Destination, "current");
        Assert.True(Directory.Exists(Path.Combine(current, "bootloader/uefi/arm64")));
        Assert.False(Directory.Exists(Path.Combine(current, "bootloader/pxe")));
        Assert.False(Directory.Exists(Path.Combine(current, "bootloader/open-firmware")));
        Assert.Empty(Directory.GetFiles(_scratch, "evil-*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Install_ErrorAction_Stop_stops_at_the_first_bad_archive_and_installs_nothing()
    {
        ServeHostileArchives();
        var result = _session.Run("try { Install-MaasBootloader -Source $url -SkipSignatureCheck -Path $dest -WarningAction SilentlyContinue -ErrorAction Stop; 'not stopped' } catch { $_ }", Vars);

        var error = (ErrorRecord)Assert.Single(result.Output).BaseObject;
        Assert.Matches("^(UnsafeArchive|CorruptArchive),", error.FullyQualifiedErrorId);
        Assert.IsType<MaasImageVersion>(error.TargetObject);
        Assert.False(Directory.Exists(Path.Combine(Destination, "current")), "nothing is installed after the first error under -ErrorAction Stop");
    }

    /// <summary>Names, kinds, link targets and contents of everything but the served copy.</summary>
    private SortedDictionary<string, string> Fingerprint()
    {
        var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in new DirectoryInfo(_scratch).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
        {
            if (entry.FullName.StartsWith(Served, StringComparison.Ordinal)) continue;
            entries[entry.FullName] = entry.LinkTarget is { } target ? "link " + target
                : entry is DirectoryInfo ? "folder"
                : Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(entry.FullName)));
        }
        return entries;
    }

    [Fact]
    public void Install_MaasBootloader_All_refuses_a_climbing_bootloader_type()
    {
        Edit("com.ubuntu.maas:stable:1:bootloader-download.json", "com.ubuntu.maas.stable:1:pxelinux:pxe:amd64", "bootloader-type", "../../..");
        var before = Fingerprint();
        var result = _session.Run("Install-MaasBootloader -Source $url -SkipSignatureCheck -Path $dest -All", Vars);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("UnsafePath,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains("bootloader-type '../../..' of product 'com.ubuntu.maas.stable:1:pxelinux:pxe:amd64'", error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal(before, Fingerprint());
        Assert.DoesNotContain(_server.Requests, r => r.Path.EndsWith(".tar.xz", StringComparison.Ordinal));
    }

    [Fact]
    public void Save_MaasImage_refuses_a_climbing_release_before_fetching_anything()
    {
        Edit("com.ubuntu.maas:stable:v3:download.json", "com.ubuntu.maas.stable:v3:boot:22.04:amd64:ga-22.04", "release", "../../..");
        var before = Fingerprint();
        var result = _session.Run(
            "try { Get-MaasImageVersion -Source $url -SkipSignatureCheck -ErrorAction Stop | Save-MaasImage -Path $dest -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }", Vars);
        Assert.StartsWith("UnsafePath,", Assert.Single(result.Output).ToString(), StringComparison.Ordinal);
        Assert.Equal(before, Fingerprint());
        Assert.DoesNotContain(_server.Requests, r => r.Path.Contains("/20250", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("label", "../../..")]
    [InlineData("release", "/etc")]
    [InlineData("os", "a/b")]
    [InlineData("subarch", "a\\b")]
    [InlineData("arch", "")]
    [InlineData("kflavor", ".")]
    [InlineData("label", "x\u0000y")]
    public void Get_MaasImageVersion_reports_a_product_with_a_hostile_name_and_lists_the_others(string property, string value)
    {
        const string Hostile = "com.ubuntu.maas.stable:v3:boot:22.04:amd64:ga-22.04";
        Edit("com.ubuntu.maas:stable:v3:download.json", Hostile, property, value);
        var result = _session.Run("Get-MaasImageVersion -Source $url -SkipSignatureCheck", Vars);

        var error = Assert.Single(result.Errors); // one error for the product, not one per version
        Assert.StartsWith("UnsafePath,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains("'streams/v1/com.ubuntu.maas:stable:v3:download.json'", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains($"of product '{Hostile}'", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains($"{property} '", error.Exception.Message, StringComparison.Ordinal);
        var listed = result.Output.Select(o => (MaasImages.Engine.Streams.MaasImageVersion)o.BaseObject).ToList();
        Assert.DoesNotContain(listed, v => v.ProductName == Hostile);
        Assert.Contains(listed, v => v.ProductName == "com.ubuntu.maas.stable:v3:boot:22.04:amd64:hwe-22.04");
        Assert.Contains(listed, v => v.ProductName == "com.ubuntu.maas.stable:v3:boot:24.04:arm64:ga-24.04");
        Assert.Contains(listed, v => v.ProductName.StartsWith("com.ubuntu.maas.stable:centos-bases:", StringComparison.Ordinal));
    }
}
