using System.Management.Automation;
using System.Security.Cryptography;
using MaasImages.Engine.Layout;
using MaasImages.Engine.Layout.Bootloaders;
using MaasImages.Engine.Streams;
using MaasImages.TestServer;

namespace MaasImages.PowerShell.Tests;

/// <summary>
/// One failure is one error, not the end of the run: an image (or bootloader) that cannot be
/// saved is a non-terminating error with its stable id and the item as TargetObject, the others
/// are laid out, $? is false, and -ErrorAction Stop still stops at the first.
/// </summary>
public sealed class PerItemErrorTests() : ServedSampleTests("maasimages-peritem-")
{
    private const string NobleHweKernel = "noble/amd64/20250718/hwe-24.04/generic/boot-kernel";
    private const string Select = "Get-MaasImageVersion -Source $url -Keyring $keyring -Release noble -Arch amd64";

    private string Current => Path.Combine(Destination, "current");

    private static string Sha256(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))).ToLowerInvariant();

    private static void AssertImageError(ErrorRecord error, string subarch)
    {
        Assert.StartsWith("DownloadFailed,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.ConnectionError, error.CategoryInfo.Category);
        var image = Assert.IsType<MaasImageVersion>(error.TargetObject);
        Assert.Equal(subarch, image.Subarch);
        Assert.Contains(image.ProductName, error.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rack_an_image_whose_kernel_404s_is_one_error_and_the_others_are_laid_out()
    {
        Server.Faults.Add(NobleHweKernel, Fault.Status(404), count: -1);
        var result = Session.Run($"$saved = {Select} -Latest | Save-MaasImage -Path $dest -PassThru; $?; $saved", Vars);

        AssertImageError(Assert.Single(result.Errors), "hwe-24.04");
        Assert.False((bool)result.Output[0].BaseObject, "$? is false after a non-terminating error");
        var saved = result.Output.Skip(1).Select(o => (MaasSavedImage)o.BaseObject).ToList();
        Assert.Equal("ga-24.04", Assert.Single(saved).Image.Subarch);
        var meta = File.ReadAllText(Path.Combine(Current, "maas.meta"));
        Assert.Contains("\"ga-24.04\"", meta, StringComparison.Ordinal);
        Assert.DoesNotContain("\"hwe-24.04\"", meta, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(Current, "ubuntu/amd64/ga-24.04/noble/stable/boot-kernel")));
        Assert.False(Directory.Exists(Path.Combine(Current, "ubuntu/amd64/hwe-24.04")));
    }

    [Fact]
    public void Rack_a_failed_image_keeps_its_previous_version()
    {
        var old = Session.Run($"{Select} -VersionName 20250701 | Save-MaasImage -Path $dest", Vars);
        Assert.Empty(old.Errors);
        var oldKernel = Sha256(Path.Combine(Current, "ubuntu/amd64/hwe-24.04/noble/stable/boot-kernel"));

        Server.Faults.Add(NobleHweKernel, Fault.Status(404), count: -1);
        var result = Session.Run($"{Select} -Latest | Save-MaasImage -Path $dest", Vars);

        AssertImageError(Assert.Single(result.Errors), "hwe-24.04");
        var meta = File.ReadAllText(Path.Combine(Current, "maas.meta"));
        var entries = meta.Split("\"hwe-24.04\"")[1];
        Assert.Contains("\"version_name\": \"20250701\"", entries.Split('}')[0], StringComparison.Ordinal);
        Assert.Equal(oldKernel, Sha256(Path.Combine(Current, "ubuntu/amd64/hwe-24.04/noble/stable/boot-kernel")));
        // The image that did download moved on.
        var ga = meta.Split("\"ga-24.04\"")[1].Split('}')[0];
        Assert.Contains("\"version_name\": \"20250718\"", ga, StringComparison.Ordinal);
    }

    [Fact]
    public void ErrorAction_Stop_stops_at_the_first_failure_and_lays_nothing_out()
    {
        Server.Faults.Add(NobleHweKernel, Fault.Status(404), count: -1);
        var result = Session.Run($"try {{ {Select} -Latest | Save-MaasImage -Path $dest -ErrorAction Stop; 'not stopped' }} catch {{ $_ }}", Vars);

        var error = (ErrorRecord)Assert.Single(result.Output).BaseObject;
        AssertImageError(error, "hwe-24.04");
        Assert.False(Directory.Exists(Current), "nothing is laid out after the first error under -ErrorAction Stop");
    }

    [Fact]
    public void Mirror_the_images_that_downloaded_get_their_files_and_metadata()
    {
        Server.Faults.Add(NobleHweKernel, Fault.Status(404), count: -1);
        var result = Session.Run($"{Select} -Latest | Save-MaasImage -Path $dest -Layout Mirror; $?", Vars);

        AssertImageError(Assert.Single(result.Errors), "hwe-24.04");
        Assert.False((bool)result.Output[0].BaseObject);
        Assert.True(File.Exists(Path.Combine(Destination, "noble/amd64/20250718/ga-24.04/generic/boot-kernel")));
        Assert.True(File.Exists(Path.Combine(Destination, "noble/amd64/20250718/squashfs")));
        Assert.False(File.Exists(Path.Combine(Destination, NobleHweKernel)));
        Assert.True(File.Exists(Path.Combine(Destination, "streams/v1/index.json")));
        var state = File.ReadAllText(Path.Combine(Destination, ".maasimages-mirror.json"));
        Assert.DoesNotContain("hwe-24.04/generic/boot-initrd", state, StringComparison.Ordinal); // the failed image is not recorded
    }

    [Fact]
    public void Install_a_bootloader_whose_archive_404s_is_one_error_and_the_others_are_installed()
    {
        Server.Faults.Add("bootloaders/uefi/arm64/*", Fault.Status(404), count: -1);
        var result = Session.Run("$installed = Install-MaasBootloader -Source $url -Keyring $keyring -Path $dest -PassThru -WarningAction SilentlyContinue; $?; $installed", Vars);

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("DownloadFailed,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        var failed = Assert.IsType<MaasImageVersion>(error.TargetObject);
        Assert.Equal("arm64", failed.Arch);
        Assert.False((bool)result.Output[0].BaseObject);
        var installed = result.Output.Skip(1).Select(o => (MaasBootloader)o.BaseObject).ToList();
        Assert.Equal(["open-firmware/ppc64el", "pxe/i386", "uefi/amd64"], installed.Select(b => $"{b.Type}/{b.Arch}").Order());
        Assert.True(Directory.Exists(Path.Combine(Current, "bootloader/uefi/amd64")));
        Assert.False(Directory.Exists(Path.Combine(Current, "bootloader/uefi/arm64")));
        Assert.DoesNotContain("grub-efi:uefi:arm64", File.ReadAllText(Path.Combine(Current, "maas.meta")), StringComparison.Ordinal);
    }
}
