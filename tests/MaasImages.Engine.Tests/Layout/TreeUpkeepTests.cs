using MaasImages.Engine.Layout;
using MaasImages.Engine.Layout.Bootloaders;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Tests.Support;
using MaasImages.TestServer;

namespace MaasImages.Engine.Tests.Layout;

/// <summary>
/// What the rack tree keeps between runs: no temporary names left behind, cache files kept while a
/// snapshot uses them (by name, whatever the link counts), each cmdlet pruning only its own kind,
/// and -Force hashing each file once.
/// </summary>
public sealed class TreeUpkeepTests : ServedSampleTest
{
    private static IEnumerable<string> RackFiles(IEnumerable<MaasImageVersion> images) =>
        images.SelectMany(i => i.Files).Where(f => f.FileType != "manifest").Select(f => f.Sha256).Distinct();

    private void AssertNoPlacingLeftovers() =>
        Assert.Empty(Directory.GetFileSystemEntries(Root, "*.placing", SearchOption.AllDirectories));

    private bool ImageRequests() => Server.Requests.Any(r => !r.Path.Contains("streams/", StringComparison.Ordinal));

    [Fact]
    public async Task Carry_forward_and_prune_leave_no_placing_files_anywhere()
    {
        await Save(await LatestAmd64("jammy"), Options());
        AssertNoPlacingLeftovers();
        await Save(await LatestAmd64("noble"), Options()); // jammy carried forward: its files are already links to the cache
        AssertNoPlacingLeftovers();
        await Install(await Bootloaders(), Options());
        await Save(await LatestAmd64("noble"), Options(prune: true));
        AssertNoPlacingLeftovers();
        await Save(await LatestAmd64("jammy", "noble"), Options());
        AssertNoPlacingLeftovers();
        Assert.True(File.Exists(Path.Combine(Current, "ubuntu/amd64/ga-22.04/jammy/stable/squashfs")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Save_then_install_then_save_keeps_every_cache_file_a_snapshot_uses(bool copyInsteadOfLinking)
    {
        var jammy = await LatestAmd64("jammy");
        var noble = await LatestAmd64("noble");
        var observer = new RecordingObserver();
        await Save(jammy, Options(copy: copyInsteadOfLinking), observer);
        if (copyInsteadOfLinking) Assert.Contains(observer.Warnings, w => w.Contains("copying files instead", StringComparison.Ordinal));
        await Install(await Bootloaders(), Options(copy: copyInsteadOfLinking));
        await Save(noble, Options(copy: copyInsteadOfLinking));

        // Every image file of both releases, and every bootloader member, is still in the cache.
        foreach (var sha in RackFiles(jammy.Concat(noble)))
            Assert.True(File.Exists(Path.Combine(Cache, sha)), $"cache/{sha} kept");
        Assert.Equal(16, Directory.GetFiles(Cache, "*-*").Length); // 9 pxe + 3 + 3 uefi + 1 ppc64el members

        // So nothing is fetched again: not the images, not the bootloaders.
        Server.ResetCounters();
        await Save(jammy.Concat(noble).ToList(), Options(copy: copyInsteadOfLinking));
        await Install(await Bootloaders(), Options(copy: copyInsteadOfLinking));
        Assert.False(ImageRequests(), string.Join(", ", Server.Requests.Select(r => r.Path)));

        // -Prune drops jammy: its own files leave the cache, the rest stays.
        await Save(noble, Options(prune: true, copy: copyInsteadOfLinking));
        var jammyOnly = RackFiles(jammy).Except(RackFiles(noble)).ToList();
        Assert.NotEmpty(jammyOnly);
        Assert.All(jammyOnly, sha => Assert.False(File.Exists(Path.Combine(Cache, sha)), $"cache/{sha} removed"));
        Assert.All(RackFiles(noble), sha => Assert.True(File.Exists(Path.Combine(Cache, sha)), $"cache/{sha} kept"));
        Assert.Equal(16, Directory.GetFiles(Cache, "*-*").Length);
        Assert.Equal(9, Directory.GetFiles(Path.Combine(Current, "bootloader/pxe/i386")).Length);
    }

    [Fact]
    public async Task A_snapshot_made_before_references_were_recorded_keeps_its_cache_files_by_inode()
    {
        var jammy = await LatestAmd64("jammy");
        await Save(jammy, Options());
        Directory.Delete(Path.Combine(Root, ".maasimages-refs"), recursive: true); // as an older version of the module left it
        await Save(await LatestAmd64("noble"), Options());
        if (OperatingSystem.IsLinux())
            Assert.All(RackFiles(jammy), sha => Assert.True(File.Exists(Path.Combine(Cache, sha)), $"cache/{sha} kept"));
        Server.ResetCounters();
        await Save(await LatestAmd64("jammy", "noble"), Options());
        Assert.False(ImageRequests());
    }

    [Fact]
    public async Task Rack_prune_says_what_it_dropped()
    {
        await Save(await LatestAmd64("jammy", "noble"), Options());
        var observer = new RecordingObserver();
        await Save(await LatestAmd64("noble"), Options(prune: true), observer);
        // One line per image, however many maas.meta entries (aliases) it had: ga-22.04 holds 22 (its subarches list), hwe-22.04 only its own.
        Assert.Contains("Pruned com.ubuntu.maas.stable:v3:boot:22.04:amd64:ga-22.04 20250718 (22 maas.meta entries).", observer.Messages);
        Assert.Contains("Pruned com.ubuntu.maas.stable:v3:boot:22.04:amd64:hwe-22.04 20250718 (1 maas.meta entry).", observer.Messages);
        Assert.Equal(3, observer.Messages.Count(m => m.StartsWith("Pruned ", StringComparison.Ordinal))); // ga, lowlatency and hwe of jammy/amd64
        Assert.DoesNotContain(observer.Messages, m => m.Contains("noble", StringComparison.Ordinal) && m.StartsWith("Pruned", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Mirror_prune_of_a_save_removes_only_images_never_the_bootloader_archives()
    {
        var older = await Images(new ImageQuery { Release = ["noble"], Arch = ["arm64"], Subarch = ["ga-24.04"], VersionName = ["20250701"] });
        var newer = await Images(new ImageQuery { Release = ["noble"], Arch = ["arm64"], Subarch = ["ga-24.04"], VersionName = ["20250718"] });
        var bootloaders = await Bootloaders();
        await Save(older, Options(SaveLayout.Mirror));
        await Install(bootloaders, Options(SaveLayout.Mirror));
        var observer = new RecordingObserver();
        await Save(newer, Options(SaveLayout.Mirror, prune: true), observer);

        Assert.False(File.Exists(Path.Combine(Root, older.Single().Files.Single(f => f.FileType == "boot-kernel").Path)));
        foreach (var archive in bootloaders.SelectMany(BootloaderSelection.Archives))
            Assert.True(File.Exists(Path.Combine(Root, archive.Path)), $"{archive.Path} kept");
        Assert.DoesNotContain(observer.Messages, m => m.StartsWith("Pruned bootloaders/", StringComparison.Ordinal));

        // The archives are still known: a second install fetches nothing.
        Server.ResetCounters();
        await Install(bootloaders, Options(SaveLayout.Mirror));
        Assert.False(ImageRequests());
    }

    [Fact]
    public async Task Force_hashes_each_file_once_during_the_save_and_not_in_the_plan()
    {
        var noble = await LatestAmd64("noble");
        await Save(noble, Options());
        var unique = RackFiles(noble).Count();

        var hashed = ContentHash.CountFilesHashed();
        var plan = ImageSaver.Plan(noble, Options(force: true)); // what -WhatIf shows, on the pipeline thread
        Assert.Equal(0, hashed.Value);
        Assert.Equal(unique, plan.FilesToVerify);
        Assert.Equal(0, plan.FilesToFetch);

        var observer = new RecordingObserver();
        await Save(noble, Options(force: true), observer);
        Assert.Equal(unique, hashed.Value);
        Assert.Single(observer.Messages, m => m.StartsWith($"Verified {unique} files already present", StringComparison.Ordinal));
        Assert.Contains(observer.Snapshots, s => s.Active.Any(a => a.Name.StartsWith("verifying ", StringComparison.Ordinal)));
        Assert.Contains(observer.Messages, m => m.StartsWith("Nothing changed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Force_hashing_stops_when_cancelled_and_changes_nothing()
    {
        var noble = await LatestAmd64("noble");
        await Save(noble, Options());
        var before = new FileInfo(Current).LinkTarget;
        var hashed = ContentHash.CountFilesHashed();
        using var cancellation = new CancellationTokenSource();
        var observer = new RecordingObserver { OnSnapshot = s => { if (s.Active.Count > 0) cancellation.Cancel(); } };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ImageSaver.SaveAsync(noble, Options(force: true), observer, cancellation.Token));
        Assert.Equal(0, hashed.Value); // stopped inside the first file
        Assert.Equal(before, new FileInfo(Current).LinkTarget);
        Assert.All(RackFiles(noble), sha => Assert.True(File.Exists(Path.Combine(Cache, sha))));
    }
}
