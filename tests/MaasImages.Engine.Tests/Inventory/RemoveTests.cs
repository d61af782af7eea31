using System.Text.Json.Nodes;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Inventory;
using MaasImages.Engine.Layout;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Tests.Support;
using MaasImages.Engine.Transfer;

namespace MaasImages.Engine.Tests.Inventory;

/// <summary>
/// Remove: one of two releases, a bootloader with its root links, rack and mirror, through the
/// served sample stream; what stays is untouched and what goes leaves no file, entry or folder.
/// </summary>
public sealed class RemoveTests : ServedSampleTest
{
    private Task<List<MaasImageVersion>> Latest(string release, string arch = "amd64", string? subarch = null) =>
        Images(new ImageQuery { Release = [release], Arch = [arch], Subarch = subarch is null ? [] : [subarch], MaxVersions = 1 });

    private Task<IReadOnlyList<MaasBootResource>> Inventory(BootResourceQuery? query = null) =>
        BootResourceInventory.GetAsync(Root, query ?? new BootResourceQuery(), e => throw e, CancellationToken.None);

    private static async Task<(IReadOnlyList<MaasBootResource> Removed, RecordingObserver Observer)> Remove(string path, Func<MaasBootResource, bool> selects,
        int keepSnapshots = 0)
    {
        var observer = new RecordingObserver();
        var removed = await BootResourceRemover.RemoveAsync(path, selects, new RemoveOptions { KeepSnapshots = keepSnapshots, LockTimeout = TimeSpan.FromSeconds(20) },
            observer.OnMessage, observer.OnWarning, e => throw e, CancellationToken.None);
        return (removed, observer);
    }

    private JsonObject Meta() => JsonNode.Parse(File.ReadAllText(Path.Combine(Current, "maas.meta")))!.AsObject();

    private static IEnumerable<string> RackFiles(IEnumerable<MaasImageVersion> images) =>
        images.SelectMany(i => i.Files).Where(f => f.FileType != "manifest").Select(f => f.Sha256).Distinct();

    [Fact]
    public async Task Rack_remove_one_of_two_releases_builds_a_snapshot_without_it()
    {
        var jammy = await Latest("jammy");
        var noble = await Latest("noble");
        await Save(jammy.Concat(noble).ToList());
        await Install(await Bootloaders());
        var before = new FileInfo(Current).LinkTarget!;
        var nobleFiles = (await Inventory(new BootResourceQuery { Release = ["noble"] })).SelectMany(r => r.Files).Select(f => f.RelativePath).ToList();

        var selected = await Inventory(new BootResourceQuery { Release = ["jammy"] });
        Assert.Equal(3, selected.Count);
        var (removed, observer) = await Remove(Root, BootResourceRemover.Matching(selected));
        Assert.Equal(selected.Select(r => r.ProductName).Order(), removed.Select(r => r.ProductName).Order());

        Assert.NotEqual(before, new FileInfo(Current).LinkTarget);
        Assert.Single(Directory.GetDirectories(Root, "snapshot-*")); // default: only current, as a save
        Assert.DoesNotContain("jammy", File.ReadAllText(Path.Combine(Current, "maas.meta")), StringComparison.Ordinal);
        Assert.Equal(noble.Count, (await Inventory(new BootResourceQuery { Type = MaasBootResourceType.Image })).Count);
        Assert.Empty(Directory.GetDirectories(Path.Combine(Current, "ubuntu/amd64"), "jammy", SearchOption.AllDirectories));
        Assert.False(Directory.Exists(Path.Combine(Current, "ubuntu/amd64/ga-22.04")), "folders left empty are removed");
        Assert.All(nobleFiles, f => Assert.True(File.Exists(Path.Combine(Current, f)), f));
        Assert.All(RackFiles(jammy).Except(RackFiles(noble)), sha => Assert.False(File.Exists(Path.Combine(Cache, sha)), $"cache/{sha} removed"));
        Assert.All(RackFiles(noble), sha => Assert.True(File.Exists(Path.Combine(Cache, sha)), $"cache/{sha} kept"));
        Assert.True(File.Exists(Path.Combine(Current, "bootx64.efi")), "bootloaders and links carried forward");
        Assert.Equal(4, (await Inventory(new BootResourceQuery { Type = MaasBootResourceType.Bootloader })).Count);
        Assert.Contains(observer.Messages, m => m.StartsWith("Removed com.ubuntu.maas.stable:v3:boot:22.04:amd64:ga-22.04 ", StringComparison.Ordinal));

        // Removing again finds nothing and changes nothing.
        var after = new FileInfo(Current).LinkTarget;
        var (none, _) = await Remove(Root, BootResourceRemover.Matching(selected));
        Assert.Empty(none);
        Assert.Equal(after, new FileInfo(Current).LinkTarget);
    }

    [Fact]
    public async Task Rack_remove_with_KeepSnapshots_can_be_undone_with_Restore()
    {
        await Save((await Latest("jammy")).Concat(await Latest("noble")).ToList());
        var before = new FileInfo(Current).LinkTarget!;
        var beforeMeta = File.ReadAllBytes(Path.Combine(Current, "maas.meta"));
        await Remove(Root, r => r.Release == "jammy", keepSnapshots: 1);
        Assert.Equal(2, Directory.GetDirectories(Root, "snapshot-*").Length);
        var restored = await BootSnapshots.RestoreAsync(Root, null, TimeSpan.FromSeconds(20), _ => { }, _ => { }, CancellationToken.None);
        Assert.Equal(before, restored.Name);
        Assert.Equal(beforeMeta, File.ReadAllBytes(Path.Combine(Current, "maas.meta")));
        Assert.True(File.Exists(Path.Combine(Current, "ubuntu/amd64/ga-22.04/jammy/stable/squashfs")));
    }

    [Fact]
    public async Task Rack_remove_of_a_bootloader_removes_its_entries_files_and_the_root_links_to_it()
    {
        await Save(await Latest("noble"));
        await Install(await Bootloaders());
        var uefi = (await Inventory(new BootResourceQuery { Type = MaasBootResourceType.Bootloader, Arch = ["amd64"] }))
            .Where(r => r.BootloaderType == "uefi").ToList();
        var (removed, observer) = await Remove(Root, BootResourceRemover.Matching(uefi));
        Assert.Single(removed);
        Assert.False(Directory.Exists(Path.Combine(Current, "bootloader/uefi/amd64")));
        Assert.False(File.Exists(Path.Combine(Current, "bootx64.efi")) || new FileInfo(Path.Combine(Current, "bootx64.efi")).LinkTarget is not null, "no dangling bootx64.efi");
        Assert.Null(new FileInfo(Path.Combine(Current, "grubx64.efi")).LinkTarget);
        Assert.Contains("Removed the root link bootx64.efi: its target bootloader/uefi/amd64/bootx64.efi was removed.", observer.Messages);
        Assert.True(File.Exists(Path.Combine(Current, "bootaa64.efi")), "arm64 uefi stays");
        Assert.True(File.Exists(Path.Combine(Current, "pxelinux.0")));
        Assert.Null(Meta()["grub-efi-signed"]?["amd64"]);
        Assert.NotNull(Meta()["grub-efi"]?["arm64"]);

        // pxelinux.0 always stays (old DHCP configs ask for it): its dangling link is reported.
        var pxe = (await Inventory(new BootResourceQuery { Type = MaasBootResourceType.Bootloader })).Where(r => r.BootloaderType == "pxe").ToList();
        (_, observer) = await Remove(Root, BootResourceRemover.Matching(pxe));
        Assert.Contains(observer.Warnings, w => w.StartsWith("The root link pxelinux.0 -> lpxelinux.0 points at nothing now", StringComparison.Ordinal));
        Assert.Null(new FileInfo(Path.Combine(Current, "lpxelinux.0")).LinkTarget);
    }

    [Fact]
    public async Task Mirror_remove_deletes_files_state_and_empty_folders_but_never_a_file_a_kept_version_shares()
    {
        var nobleGa = await Latest("noble", "arm64", "ga-24.04");
        var nobleHwe = await Latest("noble", "arm64", "hwe-24.04");
        var jammy = await Latest("jammy", "arm64");
        await Save(nobleGa.Concat(nobleHwe).Concat(jammy).ToList(), Options(SaveLayout.Mirror));
        var documents = Directory.GetFiles(Path.Combine(Root, "streams/v1")).ToDictionary(f => f, File.ReadAllBytes);

        var ga = nobleGa.Single();
        var partial = Path.Combine(Root, ga.Files.Single(f => f.FileType == "boot-initrd").Path + ".partial");
        File.WriteAllText(partial, "half a download");
        File.WriteAllText(partial + ".json", "{}");
        var (removed, _) = await Remove(Root, r => r.Subarch == "ga-24.04");
        Assert.Single(removed);
        Assert.False(File.Exists(partial) || File.Exists(partial + ".json"), "a partial download of a removed file goes too");
        Assert.False(File.Exists(Path.Combine(Root, ga.Files.Single(f => f.FileType == "boot-kernel").Path)));
        Assert.False(Directory.Exists(Path.Combine(Root, "noble/arm64/20250718/ga-24.04")));
        var squashfs = ga.Files.Single(f => f.FileType == "squashfs").Path;
        Assert.True(File.Exists(Path.Combine(Root, squashfs)), "the squashfs hwe-24.04 shares stays");

        await Remove(Root, r => r.Release == "jammy");
        Assert.False(Directory.Exists(Path.Combine(Root, "jammy")));
        var left = await Inventory();
        Assert.Equal(nobleHwe.Single().ProductName, Assert.Single(left).ProductName);
        var state = File.ReadAllText(Path.Combine(Root, MirrorLayout.StateFile));
        Assert.DoesNotContain("jammy/", state, StringComparison.Ordinal);
        Assert.DoesNotContain("ga-24.04/", state, StringComparison.Ordinal);
        Assert.Contains(squashfs, state, StringComparison.Ordinal);
        foreach (var (path, bytes) in documents) Assert.Equal(bytes, File.ReadAllBytes(path)); // signed documents untouched

        // A re-save of what stayed fetches nothing; of what went, only that.
        Server.ResetCounters();
        await Save(nobleHwe, Options(SaveLayout.Mirror));
        Assert.DoesNotContain(Server.Requests, r => !r.Path.Contains("streams/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Remove_takes_the_lock_and_refuses_what_is_not_a_tree()
    {
        await Save(await Latest("noble"));
        var before = new FileInfo(Current).LinkTarget;
        using (await DestinationLock.AcquireAsync(Root, TimeSpan.FromSeconds(5), _ => { }, CancellationToken.None))
        {
            var error = await Assert.ThrowsAsync<DestinationLockedException>(() => BootResourceRemover.RemoveAsync(Root, _ => true,
                new RemoveOptions { LockTimeout = TimeSpan.Zero }, _ => { }, _ => { }, e => throw e, CancellationToken.None));
            Assert.Equal("DestinationLocked", error.ErrorId);
        }
        Assert.Equal(before, new FileInfo(Current).LinkTarget);
        var notATree = Served.PathOf("jammy");
        await Assert.ThrowsAnyAsync<MaasImagesException>(() => Remove(notATree, _ => true));
    }

    [RealFixtureFact]
    public async Task A_rack_tree_MAAS_wrote_from_the_real_fixtures_loses_one_release_and_keeps_the_rest_by_inode()
    {
        var written = MaasWrittenRackTree.WriteFromRealFixtures(Root);
        var all = await Inventory();
        var release = all.Where(r => r.Os == "ubuntu").Select(r => r.Release).Distinct().Order(StringComparer.Ordinal).First();
        var doomed = all.Where(r => r.Release == release).ToList();
        Assert.NotEmpty(doomed);

        var (removed, _) = await Remove(Root, r => r.Release == release);
        Assert.Equal(doomed.Count, removed.Count);
        Assert.NotEqual(MaasWrittenRackTree.Snapshot, new FileInfo(Current).LinkTarget);
        Assert.False(Directory.Exists(Path.Combine(Root, MaasWrittenRackTree.Snapshot)), "MAAS's snapshot is replaced, as MAAS replaces its own");
        var left = await Inventory();
        Assert.Equal(all.Count - doomed.Count, left.Count);
        Assert.DoesNotContain(left, r => r.Release == release);
        var keptShas = written.Where(w => !doomed.Any(d => d.ProductName == w.Key)).SelectMany(w => w.Value.Files.Values).ToHashSet();
        var goneShas = doomed.SelectMany(d => written[d.ProductName].Files.Values).Except(keptShas).ToList();
        Assert.All(keptShas, sha => Assert.True(File.Exists(Path.Combine(Cache, sha)), $"cache/{sha} kept (found by inode)"));
        Assert.All(goneShas, sha => Assert.False(File.Exists(Path.Combine(Cache, sha)), $"cache/{sha} removed"));
        Assert.All(left, r => Assert.All(r.Files, f => Assert.True(f.Exists, f.Path)));
    }

    [Fact]
    public async Task A_linked_cache_is_UnsafeDestination_and_nothing_changes()
    {
        await Save(await Latest("noble"));
        var before = new FileInfo(Current).LinkTarget;
        var outside = Served.PathOf("outside-cache");
        Directory.Move(Cache, outside);
        File.CreateSymbolicLink(Cache, outside);
        var error = await Assert.ThrowsAsync<UnsafeDestinationException>(() => Remove(Root, _ => true));
        Assert.Equal("UnsafeDestination", error.ErrorId);
        Assert.Equal(before, new FileInfo(Current).LinkTarget);
        Assert.NotEmpty(Directory.GetFiles(outside));
    }
}
