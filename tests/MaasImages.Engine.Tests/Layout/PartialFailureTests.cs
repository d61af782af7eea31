using MaasImages.Engine.Errors;
using MaasImages.Engine.Layout;
using MaasImages.Engine.Layout.Bootloaders;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Tests.Support;
using MaasImages.TestServer;

namespace MaasImages.Engine.Tests.Layout;

/// <summary>
/// A run where some items fail: -Prune still removes what was not selected but never a failed
/// item's previous version, what the failed items did fetch stays in the cache for the next run,
/// and Install-MaasBootloader -Prune removes only bootloaders not selected.
/// </summary>
public sealed class PartialFailureTests : ServedSampleTest
{
    private const string NobleHweKernel = "noble/amd64/20250718/hwe-24.04/generic/boot-kernel";
    private const string NobleHweFolder = "ubuntu/amd64/hwe-24.04/noble/stable";

    private Task<List<MaasImageVersion>> Noble(string? version = null) =>
        Images(new ImageQuery { Release = ["noble"], Arch = ["amd64"], VersionName = version is null ? [] : [version], MaxVersions = version is null ? 1 : null });

    private static string Sha256Of(IEnumerable<MaasImageVersion> images, string path) =>
        images.SelectMany(i => i.Files).First(f => f.Path == path).Sha256;

    private List<string> FetchedFiles() =>
        Server.Requests.Where(r => !r.Path.Contains("streams/", StringComparison.Ordinal)).Select(r => r.Path.TrimStart('/')).Distinct().Order().ToList();

    private static string Meta(string snapshot) => File.ReadAllText(Path.Combine(snapshot, "maas.meta"));

    [Fact]
    public async Task Rack_prune_with_a_failed_image_drops_what_was_not_selected_but_keeps_the_failed_images_previous_version()
    {
        var old = await Noble("20250701");
        await Save((await LatestAmd64("jammy")).Concat(old).ToList(), Options());
        var oldHweKernel = Sha256Of(old, "noble/amd64/20250701/hwe-24.04/generic/boot-kernel");

        Server.Faults.Add(NobleHweKernel, Fault.Status(404), count: -1);
        var observer = new RecordingObserver();
        var saved = await Save(await Noble(), Options(prune: true), observer);

        var failure = Assert.IsType<ItemNotSavedException>(Assert.Single(observer.Failures));
        Assert.Equal("hwe-24.04", failure.Item.Subarch);
        Assert.Equal("ga-24.04", Assert.Single(saved).Image.Subarch);
        // Not selected: jammy is pruned, from the tree and from maas.meta.
        Assert.False(Directory.Exists(Path.Combine(Current, "ubuntu/amd64/ga-22.04")));
        Assert.DoesNotContain("jammy", Meta(Current), StringComparison.Ordinal);
        Assert.Contains(observer.Messages, m => m.StartsWith("Pruned com.ubuntu.maas.stable:v3:boot:22.04:amd64:ga-22.04 ", StringComparison.Ordinal));
        // The failed image keeps its previous version, files and entries.
        Assert.Equal(oldHweKernel, Path.GetFileName(ReferencedCacheFile($"{NobleHweFolder}/boot-kernel")));
        Assert.True(File.Exists(Path.Combine(Current, NobleHweFolder, "boot-initrd")));
        Assert.Contains("\"version_name\": \"20250701\"", Meta(Current).Split("\"hwe-24.04\"")[1].Split('}')[0], StringComparison.Ordinal);
        Assert.DoesNotContain(observer.Messages, m => m.StartsWith("Pruned", StringComparison.Ordinal) && m.Contains("hwe-24.04", StringComparison.Ordinal));
        // The image that did download moved on.
        Assert.Contains("\"version_name\": \"20250718\"", Meta(Current).Split("\"ga-24.04\"")[1].Split('}')[0], StringComparison.Ordinal);
    }

    /// <summary>The cache file a file of the current snapshot was placed from, as its references record it.</summary>
    private string ReferencedCacheFile(string relative)
    {
        var snapshot = new FileInfo(Current).LinkTarget!;
        var record = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, ".maasimages-refs", snapshot + ".json")));
        return Path.Combine(Cache, record.RootElement.GetProperty("Files").GetProperty(relative).GetString()!);
    }

    [Fact]
    public async Task Rack_a_failed_images_downloaded_files_stay_in_the_cache_and_the_next_run_fetches_only_what_failed()
    {
        var noble = await Noble();
        Server.Faults.Add(NobleHweKernel, Fault.Status(404), count: -1);
        var observer = new RecordingObserver();
        await Save(noble, Options(), observer);
        Assert.Single(observer.Failures);
        Assert.True(Directory.Exists(Current), "the image that downloaded is laid out (and the cache cleaned up)");
        var hweInitrd = Sha256Of(noble, "noble/amd64/20250718/hwe-24.04/generic/boot-initrd");
        Assert.True(File.Exists(Path.Combine(Cache, hweInitrd)), "the failed image's initrd stays in the cache");

        Server.Faults.Clear();
        Server.ResetCounters();
        Assert.Equal(2, (await Save(noble, Options())).Count);
        Assert.Equal([NobleHweKernel], FetchedFiles());
    }

    [Fact]
    public async Task Mirror_prune_with_a_failed_image_removes_what_was_not_selected_but_keeps_the_failed_images_versions()
    {
        await Save(await Noble("20250701"), Options(SaveLayout.Mirror));
        Server.Faults.Add(NobleHweKernel, Fault.Status(404), count: -1);
        var observer = new RecordingObserver();
        await Save((await Noble()).Where(i => i.Subarch == "hwe-24.04" || i.Subarch == "ga-24.04").ToList(), Options(SaveLayout.Mirror, prune: true), observer);

        Assert.Single(observer.Failures);
        // ga moved on to 20250718: its 20250701 files are pruned.
        Assert.False(File.Exists(Path.Combine(Root, "noble/amd64/20250701/ga-24.04/generic/boot-kernel")));
        Assert.True(File.Exists(Path.Combine(Root, "noble/amd64/20250718/ga-24.04/generic/boot-kernel")));
        // hwe failed: its 20250701 version stays whole (the squashfs of that version too).
        Assert.True(File.Exists(Path.Combine(Root, "noble/amd64/20250701/hwe-24.04/generic/boot-kernel")));
        Assert.True(File.Exists(Path.Combine(Root, "noble/amd64/20250701/hwe-24.04/generic/boot-initrd")));
        Assert.True(File.Exists(Path.Combine(Root, "noble/amd64/20250701/squashfs")));
        Assert.DoesNotContain(observer.Messages, m => m.StartsWith("Pruned noble/amd64/20250701/hwe-24.04", StringComparison.Ordinal));

        // The next run (the kernel back) fetches only the kernel: the failed image's other files were kept.
        Server.Faults.Clear();
        Server.ResetCounters();
        await Save((await Noble()).Where(i => i.Subarch == "hwe-24.04" || i.Subarch == "ga-24.04").ToList(), Options(SaveLayout.Mirror, prune: true));
        Assert.Equal([NobleHweKernel], FetchedFiles());
        Assert.False(File.Exists(Path.Combine(Root, "noble/amd64/20250701/hwe-24.04/generic/boot-kernel")), "pruned once saved");
    }

    [Fact]
    public async Task Rack_a_failed_bootloaders_downloaded_archive_stays_in_the_cache_and_the_next_run_fetches_only_what_failed()
    {
        var bootloaders = await Bootloaders();
        var grub = bootloaders.Single(b => b.Arch == "amd64" && BootloaderSelection.TypeOf(b) == "uefi");
        var grubArchive = BootloaderSelection.Archives(grub).Single(a => a.Path.EndsWith("grub2-signed.tar.xz", StringComparison.Ordinal));
        var shimArchive = BootloaderSelection.Archives(grub).Single(a => a.Path.EndsWith("shim-signed.tar.xz", StringComparison.Ordinal));
        Server.Faults.Add(grubArchive.Path, Fault.Status(404), count: -1);
        var observer = new RecordingObserver();
        Assert.Equal(3, (await Install(bootloaders, Options(), observer)).Count);
        Assert.Single(observer.Failures);
        Assert.True(File.Exists(Path.Combine(Cache, shimArchive.Sha256)), "the failed bootloader's other archive stays in the cache");

        Server.Faults.Clear();
        Server.ResetCounters();
        Assert.Equal(4, (await Install(bootloaders, Options())).Count);
        Assert.Equal([grubArchive.Path], FetchedFiles());
        Assert.True(Directory.Exists(Path.Combine(Current, "bootloader/uefi/amd64")));
    }

    [Fact]
    public async Task Install_prune_removes_the_bootloaders_not_selected_and_never_an_image()
    {
        var image = await Images(new ImageQuery { Release = ["noble"], Arch = ["arm64"], Subarch = ["ga-24.04"], MaxVersions = 1 });
        await Save(image, Options());
        await Install(await Bootloaders(), Options());
        var observer = new RecordingObserver();
        await Install(await Bootloaders(new BootloaderQuery { Types = ["uefi"] }), Options(prune: true), observer);

        Assert.Equal(["uefi"], Directory.GetDirectories(Path.Combine(Current, "bootloader")).Select(Path.GetFileName));
        Assert.Equal(["amd64", "arm64"], Directory.GetDirectories(Path.Combine(Current, "bootloader/uefi")).Select(Path.GetFileName).Order());
        Assert.Contains("Pruned bootloader/pxe/i386: not selected by this run.", observer.Messages);
        Assert.Contains("Pruned bootloader/open-firmware/ppc64el: not selected by this run.", observer.Messages);
        var meta = Meta(Current);
        Assert.DoesNotContain("pxelinux", meta, StringComparison.Ordinal);
        Assert.DoesNotContain("grub-ieee1275", meta, StringComparison.Ordinal);
        Assert.Contains("grub-efi-signed", meta, StringComparison.Ordinal);
        // Images stay, with their entries; the links of the pruned bootloaders go with them.
        Assert.True(File.Exists(Path.Combine(Current, "ubuntu/arm64/ga-24.04/noble/stable/boot-kernel")));
        Assert.Contains("\"ga-24.04\"", meta, StringComparison.Ordinal);
        Assert.Null(new FileInfo(Path.Combine(Current, "lpxelinux.0")).LinkTarget);
        Assert.False(File.Exists(Path.Combine(Current, "bootppc64.bin")));
        Assert.Equal("bootloader/uefi/amd64/bootx64.efi", new FileInfo(Path.Combine(Current, "bootx64.efi")).LinkTarget);

        // Run again: nothing more to prune, nothing changes.
        var again = new RecordingObserver();
        await Install(await Bootloaders(new BootloaderQuery { Types = ["uefi"] }), Options(prune: true), again);
        Assert.Contains(again.Messages, m => m.StartsWith("Nothing changed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Mirror_install_prune_removes_the_archives_not_selected_and_never_an_image()
    {
        var image = await Images(new ImageQuery { Release = ["noble"], Arch = ["arm64"], Subarch = ["ga-24.04"], MaxVersions = 1 });
        await Save(image, Options(SaveLayout.Mirror));
        var all = await Bootloaders();
        await Install(all, Options(SaveLayout.Mirror));
        await Install(await Bootloaders(new BootloaderQuery { Types = ["uefi"] }), Options(SaveLayout.Mirror, prune: true));

        foreach (var bootloader in all)
        {
            var kept = BootloaderSelection.TypeOf(bootloader) == "uefi";
            foreach (var archive in BootloaderSelection.Archives(bootloader))
                Assert.True(kept == File.Exists(Path.Combine(Root, archive.Path)), $"{archive.Path} {(kept ? "kept" : "pruned")}");
        }
        Assert.All(image.Single().Files, f => Assert.True(File.Exists(Path.Combine(Root, f.Path)), $"{f.Path} kept"));
    }
}
