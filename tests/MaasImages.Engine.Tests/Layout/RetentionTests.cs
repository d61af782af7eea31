using System.Text.Json.Nodes;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Inventory;
using MaasImages.Engine.Layout;
using MaasImages.Engine.Layout.Bootloaders;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Tests.Support;
using MaasImages.Engine.Transfer;

namespace MaasImages.Engine.Tests.Layout;

/// <summary>
/// Rack -KeepSnapshots (previous snapshots and the cache files they use stay), Restore (current
/// switched back under the same checks, links and maas.meta those of the restored snapshot, what a
/// later save keeps), and mirror -KeepVersions, all through the served sample stream.
/// </summary>
public sealed class RetentionTests : ServedSampleTest
{
    /// <summary>One version (the newest when none is named) of a release's images of one arch (and subarch).</summary>
    private Task<List<MaasImageVersion>> Selected(string release, string? version = null, string arch = "amd64", string? subarch = null) =>
        Images(new ImageQuery
        {
            Release = [release], Arch = [arch], Subarch = subarch is null ? [] : [subarch],
            VersionName = version is null ? [] : [version], MaxVersions = version is null ? 1 : null,
        });

    private static Task<MaasBootSnapshot> Restore(string root, string? name, RecordingObserver? observer = null)
    {
        observer ??= new RecordingObserver();
        return BootSnapshots.RestoreAsync(root, name, TimeSpan.FromSeconds(20), observer.OnMessage, observer.OnWarning, CancellationToken.None);
    }

    private string[] SnapshotNames() =>
        Directory.GetDirectories(Root, "snapshot-*").Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal).ToArray();

    private string CurrentName() => new FileInfo(Current).LinkTarget!;

    private static IEnumerable<string> RackFiles(IEnumerable<MaasImageVersion> images) =>
        images.SelectMany(i => i.Files).Where(f => f.FileType != "manifest").Select(f => f.Sha256).Distinct();

    private static string Version(string snapshot) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(snapshot, "maas.meta")))!["ubuntu"]!["amd64"]!["ga-22.04"]!["generic"]!["jammy"]!["stable"]!["version_name"]!.GetValue<string>();

    [Fact]
    public async Task By_default_only_current_stays_as_MAAS_keeps_it()
    {
        await Save(await Selected("jammy", "20250701"), Options());
        await Save(await Selected("jammy", "20250718"), Options());
        Assert.Single(SnapshotNames());
        Assert.Equal(CurrentName(), SnapshotNames()[0]);
    }

    [Fact]
    public async Task KeepSnapshots_keeps_the_newest_previous_snapshots_and_every_cache_file_they_use()
    {
        var older = await Selected("jammy", "20250701");
        var newer = await Selected("jammy", "20250718");
        var olderOnly = RackFiles(older).Except(RackFiles(newer)).ToList();
        Assert.NotEmpty(olderOnly);

        await Save(older, Options(keepSnapshots: 1));
        var first = CurrentName();
        var observer = new RecordingObserver();
        await Save(newer, Options(keepSnapshots: 1), observer);
        Assert.Equal(2, SnapshotNames().Length);
        Assert.Contains($"Kept the snapshot {first} (keeping 1 besides current).", observer.Messages);
        // current no longer uses the older version's files, but the kept snapshot does: they stay.
        Assert.All(olderOnly, sha => Assert.True(File.Exists(Path.Combine(Cache, sha)), $"cache/{sha} kept"));
        Assert.Equal("20250701", Version(Path.Combine(Root, first)));

        // A third run keeps one previous snapshot: the second; the first and its own files go.
        var second = CurrentName();
        await Save(await Selected("noble"), Options(keepSnapshots: 1));
        Assert.Equal(new[] { second, CurrentName() }.Order(StringComparer.Ordinal), SnapshotNames());
        Assert.All(olderOnly, sha => Assert.False(File.Exists(Path.Combine(Cache, sha)), $"cache/{sha} removed"));
        Assert.All(RackFiles(newer), sha => Assert.True(File.Exists(Path.Combine(Cache, sha))));
        Assert.DoesNotContain(Directory.GetFiles(Path.Combine(Root, ".maasimages-refs")), r => !SnapshotNames().Contains(Path.GetFileNameWithoutExtension(r)));
    }

    [Fact]
    public async Task Install_MaasBootloader_keeps_snapshots_the_same_way()
    {
        await Save(await Selected("jammy"), Options());
        var imagesOnly = CurrentName();
        await Install(await Bootloaders(), Options(keepSnapshots: 1));
        Assert.Equal(2, SnapshotNames().Length);
        Assert.Contains(imagesOnly, SnapshotNames());
        await Install(await Bootloaders(), Options(keepSnapshots: 0)); // nothing changed: no new snapshot, and none but current kept
        Assert.Equal(new[] { CurrentName() }, SnapshotNames());
    }

    [Fact]
    public async Task Snapshots_made_within_one_second_still_list_in_the_order_they_were_made()
    {
        var names = new List<string>();
        foreach (var version in new[] { "20250701", "20250718", "20250701", "20250718" })
        {
            await Save(await Selected("jammy", version), Options(keepSnapshots: 2));
            names.Add(CurrentName());
        }
        var listed = BootSnapshots.List(Root);
        Assert.Equal(3, listed.Count);
        Assert.Equal(names.AsEnumerable().Reverse().Take(3), listed.Select(s => s.Name));
        Assert.True(listed[0].IsCurrent);
        Assert.All(listed.Skip(1), s => Assert.False(s.IsCurrent));
    }

    [Fact]
    public async Task Listing_counts_images_bootloaders_files_and_bytes()
    {
        await Save(await Selected("jammy", "20250701"), Options(keepSnapshots: 3));
        await Install(await Bootloaders(), Options(keepSnapshots: 3));
        var listed = BootSnapshots.List(Root);
        Assert.Equal(2, listed.Count);
        var (withBootloaders, imagesOnly) = (listed[0], listed[1]);
        Assert.Equal(3, imagesOnly.ImageCount); // ga, ga-lowlatency, hwe of jammy/amd64
        Assert.Equal(0, imagesOnly.BootloaderCount);
        Assert.Equal(3, withBootloaders.ImageCount);
        Assert.Equal(4, withBootloaders.BootloaderCount);
        Assert.True(withBootloaders.FileCount > imagesOnly.FileCount);
        var files = new DirectoryInfo(Path.Combine(Root, imagesOnly.Name)).EnumerateFiles("*", SearchOption.AllDirectories).Where(f => f.LinkTarget is null).ToList();
        Assert.Equal(files.Count, imagesOnly.FileCount);
        Assert.Equal(files.Sum(f => f.Length), imagesOnly.Size);
        Assert.NotNull(imagesOnly.Created);
        Assert.Equal(Root, imagesOnly.Path);
        Assert.Empty(BootSnapshots.List(Path.Combine(Root, "absent")));
        Assert.Equal(listed.Select(s => s.Name), BootSnapshots.ListExisting(Root).Select(s => s.Name));
    }

    [Fact]
    public void Listing_a_folder_that_must_exist_names_the_missing_folder()
    {
        var absent = Path.Combine(Root, "absent");
        var error = Assert.Throws<FolderNotFoundException>(() => BootSnapshots.ListExisting(absent));
        Assert.Equal("FolderNotFound", error.ErrorId);
        Assert.Contains(absent, error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(absent));
    }

    [Fact]
    public async Task Restore_previous_switches_current_back_with_its_maas_meta_and_root_links()
    {
        await Save(await Selected("jammy", "20250701"), Options(keepSnapshots: 2));
        await Install(await Bootloaders(), Options(keepSnapshots: 2));
        var good = CurrentName();
        var goodMeta = File.ReadAllBytes(Path.Combine(Root, good, "maas.meta"));
        await Save(await Selected("jammy", "20250718"), Options(keepSnapshots: 2));
        var bad = CurrentName();
        Assert.Equal("20250718", Version(Current));

        var plan = BootSnapshots.Plan(Root, null); // -WhatIf: the same answer, nothing changed
        Assert.Equal(good, plan.Name);
        Assert.Equal(bad, CurrentName());

        var observer = new RecordingObserver();
        var restored = await Restore(Root, null, observer);
        Assert.Equal(good, restored.Name);
        Assert.True(restored.IsCurrent);
        Assert.Equal(good, CurrentName());
        Assert.Contains($"'current' now points to {good} (was {bad}).", observer.Messages);
        Assert.Equal(goodMeta, File.ReadAllBytes(Path.Combine(Current, "maas.meta")));
        Assert.Equal("20250701", Version(Current));
        // The TFTP root links resolve inside the restored snapshot, to its own bootloaders.
        foreach (var link in new[] { "bootx64.efi", "grubx64.efi", "pxelinux.0", "lpxelinux.0", "bootppc64.bin" })
        {
            var path = Path.Combine(Current, link);
            Assert.True(File.Exists(path), $"{link} resolves");
            Assert.False(Path.IsPathRooted(new FileInfo(path).LinkTarget!), $"{link} is relative");
        }
        Assert.True(File.Exists(Path.Combine(Current, "ubuntu/amd64/ga-22.04/jammy/stable/squashfs")));
        // Nothing was removed: the snapshot rolled back from is still there.
        Assert.Contains(bad, SnapshotNames());
        Assert.Contains(BootSnapshots.List(Root), s => s.Name == bad && !s.IsCurrent);
    }

    [Fact]
    public async Task A_save_after_a_restore_keeps_the_newer_snapshot_while_retention_allows_and_warns_when_it_removes_it()
    {
        await Save(await Selected("jammy", "20250701"), Options(keepSnapshots: 2));
        var good = CurrentName();
        await Save(await Selected("jammy", "20250718"), Options(keepSnapshots: 2));
        var bad = CurrentName();
        await Restore(Root, good);

        // The nightly save builds on what current serves (the restored snapshot), and keeps the
        // newest other snapshots first: the one rolled back from.
        var observer = new RecordingObserver();
        await Save(await Selected("noble"), Options(keepSnapshots: 1), observer);
        var third = CurrentName();
        Assert.Equal(new[] { bad, third }.Order(StringComparer.Ordinal), SnapshotNames());
        Assert.Equal("20250701", Version(Current));
        Assert.Empty(observer.Warnings);

        // Restored again, a save that keeps none removes it, with a warning, not silently.
        await Restore(Root, bad);
        observer = new RecordingObserver();
        await Save(await Selected("noble"), Options(), observer);
        Assert.Single(SnapshotNames());
        Assert.Contains(observer.Warnings, w => w.StartsWith($"Removed the snapshot {third}, which 'current' was restored back from (it served {bad} before this run)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Restore_refuses_what_must_never_be_served_and_changes_nothing()
    {
        await Save(await Selected("jammy", "20250701"), Options(keepSnapshots: 5));
        var only = CurrentName();
        async Task<MaasImagesException> Refused(string? name)
        {
            var error = await Assert.ThrowsAnyAsync<MaasImagesException>(() => Restore(Root, name));
            Assert.Throws(error.GetType(), () => BootSnapshots.Plan(Root, name)); // -WhatIf refuses the same way
            Assert.Equal(only, CurrentName());
            return error;
        }

        Assert.Equal("SnapshotNotFound", (await Refused(null)).ErrorId); // no older snapshot
        Assert.Equal("SnapshotNotFound", (await Refused("snapshot-20200101-000000")).ErrorId);
        Assert.Equal("UnsafePath", (await Refused("../outside")).ErrorId);
        Assert.Equal("UnsafePath", (await Refused("snapshot-20200101-000000/..")).ErrorId);
        Assert.Equal("InvalidSnapshot", (await Refused("cache")).ErrorId);

        Directory.CreateDirectory(Path.Combine(Root, ".building-snapshot-20200101-000000"));
        var building = await Refused(".building-snapshot-20200101-000000");
        Assert.Equal("InvalidSnapshot", building.ErrorId);
        Assert.Contains("half built", building.Message, StringComparison.Ordinal);

        var empty = Path.Combine(Root, "snapshot-20200101-000001");
        Directory.CreateDirectory(empty);
        Assert.Equal("InvalidSnapshot", (await Refused("snapshot-20200101-000001")).ErrorId);
        File.WriteAllText(Path.Combine(empty, "maas.meta"), "{not json");
        Assert.Equal("InvalidSnapshot", (await Refused("snapshot-20200101-000001")).ErrorId);

        var outside = Served.PathOf("outside-snapshot");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "maas.meta"), "{}");
        File.CreateSymbolicLink(Path.Combine(Root, "snapshot-20200101-000002"), outside);
        Assert.Equal("UnsafeDestination", (await Refused("snapshot-20200101-000002")).ErrorId);

        var escaping = Path.Combine(Root, "snapshot-20200101-000003");
        Directory.CreateDirectory(Path.Combine(escaping, "bootloader"));
        File.WriteAllText(Path.Combine(escaping, "maas.meta"), "{}");
        File.CreateSymbolicLink(Path.Combine(escaping, "bootx64.efi"), "/etc/passwd");
        Assert.Equal("UnsafeDestination", (await Refused("snapshot-20200101-000003")).ErrorId);
        File.Delete(Path.Combine(escaping, "bootx64.efi"));
        File.CreateSymbolicLink(Path.Combine(escaping, "bootloader", "grubx64.efi"), "../../../outside");
        Assert.Equal("UnsafeDestination", (await Refused("snapshot-20200101-000003")).ErrorId);

        Assert.True(Directory.Exists(outside));
        Assert.Equal("20250701", Version(Current));
    }

    [Fact]
    public async Task Restoring_the_current_snapshot_changes_nothing()
    {
        await Save(await Selected("jammy"), Options());
        var current = CurrentName();
        var observer = new RecordingObserver();
        var restored = await Restore(Root, current, observer);
        Assert.True(restored.IsCurrent);
        Assert.Equal(current, CurrentName());
        Assert.Contains(observer.Messages, m => m.Contains("already points to", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Restore_takes_the_destination_lock()
    {
        await Save(await Selected("jammy", "20250701"), Options(keepSnapshots: 1));
        await Save(await Selected("jammy", "20250718"), Options(keepSnapshots: 1));
        var before = CurrentName();
        using (await DestinationLock.AcquireAsync(Root, TimeSpan.FromSeconds(5), _ => { }, CancellationToken.None))
        {
            var error = await Assert.ThrowsAsync<DestinationLockedException>(() =>
                BootSnapshots.RestoreAsync(Root, null, TimeSpan.Zero, _ => { }, _ => { }, CancellationToken.None));
            Assert.Equal("DestinationLocked", error.ErrorId);
        }
        Assert.Equal(before, CurrentName());
    }

    // ---- mirror -KeepVersions ----

    private string MirrorPath(MaasImageVersion image, string ftype) => Path.Combine(Root, image.Files.Single(f => f.FileType == ftype).Path);

    [Fact]
    public async Task KeepVersions_removes_older_versions_files_and_their_empty_folders_but_not_the_signed_documents()
    {
        var older = await Selected("noble", "20250701", "arm64", "ga-24.04");
        var newer = await Selected("noble", "20250718", "arm64", "ga-24.04");
        await Save(older, Options(SaveLayout.Mirror, keepVersions: 1));
        Assert.True(File.Exists(MirrorPath(older.Single(), "boot-kernel")));

        var observer = new RecordingObserver();
        await Save(newer, Options(SaveLayout.Mirror, keepVersions: 1), observer);
        foreach (var file in older.Single().Files)
            Assert.False(File.Exists(Path.Combine(Root, file.Path)), $"{file.Path} removed");
        Assert.False(Directory.Exists(Path.Combine(Root, "noble/arm64/20250701")), "the version's folder is gone once empty");
        Assert.All(newer.Single().Files, f => Assert.True(File.Exists(Path.Combine(Root, f.Path)), f.Path));
        Assert.Contains(observer.Messages, m => m == $"Removed {older.Single().ProductName} 20250701: only the newest version of each product is kept.");
        // The documents are upstream's, byte for byte (their signatures must stay valid).
        foreach (var document in Directory.GetFiles(Path.Combine(Root, "streams/v1")))
            Assert.Equal(File.ReadAllBytes(Served.PathOf("streams/v1/" + Path.GetFileName(document))), File.ReadAllBytes(document));
        // And the state forgot the removed files: the mirror reads back and a re-run fetches nothing.
        Server.ResetCounters();
        await Save(newer, Options(SaveLayout.Mirror, keepVersions: 1));
        Assert.DoesNotContain(Server.Requests, r => !r.Path.Contains("streams/", StringComparison.Ordinal));
        Assert.DoesNotContain("20250701", File.ReadAllText(Path.Combine(Root, MirrorLayout.StateFile)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeepVersions_keeps_the_N_newest_and_what_the_run_saved()
    {
        var older = await Selected("noble", "20250701", "arm64", "ga-24.04");
        var newer = await Selected("noble", "20250718", "arm64", "ga-24.04");
        await Save(older, Options(SaveLayout.Mirror));
        await Save(newer, Options(SaveLayout.Mirror, keepVersions: 2));
        Assert.True(File.Exists(MirrorPath(older.Single(), "boot-kernel")));
        // Saving the older version again on purpose keeps it even with -KeepVersions 1 (what a run saves stays); the newer is the newest.
        await Save(older, Options(SaveLayout.Mirror, keepVersions: 1));
        Assert.True(File.Exists(MirrorPath(older.Single(), "boot-kernel")));
        Assert.True(File.Exists(MirrorPath(newer.Single(), "boot-kernel")));
        // Without the older one in the run, it goes.
        await Save(newer, Options(SaveLayout.Mirror, keepVersions: 1));
        Assert.False(File.Exists(MirrorPath(older.Single(), "boot-kernel")));
    }

    [Fact]
    public async Task KeepVersions_never_removes_files_recorded_without_a_version_nor_other_kinds()
    {
        var older = await Selected("noble", "20250701", "arm64", "ga-24.04");
        await Save(older, Options(SaveLayout.Mirror));
        // As an earlier version of the module recorded it: no product, no version.
        var state = Path.Combine(Root, MirrorLayout.StateFile);
        var json = JsonNode.Parse(File.ReadAllText(state))!.AsObject();
        foreach (var (_, record) in json) { record!.AsObject().Remove("Product"); record.AsObject().Remove("Version"); }
        File.WriteAllText(state, json.ToJsonString());
        var bootloaders = await Bootloaders();
        await Install(bootloaders, Options(SaveLayout.Mirror));

        await Save(await Selected("noble", "20250718", "arm64", "ga-24.04"), Options(SaveLayout.Mirror, keepVersions: 1));
        Assert.True(File.Exists(MirrorPath(older.Single(), "boot-kernel")));
        foreach (var archive in bootloaders.SelectMany(BootloaderSelection.Archives))
            Assert.True(File.Exists(Path.Combine(Root, archive.Path)), $"{archive.Path} kept");
    }

    [Fact]
    public async Task Restore_puts_right_the_root_links_of_the_snapshot_before_the_switch()
    {
        await Save(await Selected("jammy", "20250701"), Options(keepSnapshots: 2));
        await Install(await Bootloaders(), Options(keepSnapshots: 2));
        var good = Path.Combine(Root, CurrentName());
        await Save(await Selected("jammy", "20250718"), Options(keepSnapshots: 2));
        // The kept snapshot lost a root link, and another now points at nothing.
        File.Delete(Path.Combine(good, "bootx64.efi"));
        File.Delete(Path.Combine(good, "bootloader/open-firmware/ppc64el/bootppc64.bin"));
        Assert.NotNull(new FileInfo(Path.Combine(good, "bootppc64.bin")).LinkTarget);

        var observer = new RecordingObserver();
        await Restore(Root, Path.GetFileName(good), observer);
        Assert.True(File.Exists(Path.Combine(Current, "bootx64.efi")));
        Assert.Equal("bootloader/uefi/amd64/bootx64.efi", new FileInfo(Path.Combine(Current, "bootx64.efi")).LinkTarget);
        Assert.Null(new FileInfo(Path.Combine(Current, "bootppc64.bin")).LinkTarget);
        Assert.Contains(observer.Messages, m => m.StartsWith("Put right the root link bootx64.efi", StringComparison.Ordinal));
        Assert.Contains(observer.Messages, m => m.StartsWith("Put right the root link bootppc64.bin", StringComparison.Ordinal));
    }

    [Fact]
    public async Task KeepVersions_is_not_applied_when_an_image_of_the_run_failed()
    {
        var older = await Selected("noble", "20250701", "arm64", "ga-24.04");
        await Save(older, Options(SaveLayout.Mirror));
        var newer = (await Selected("noble", "20250718", "arm64", "ga-24.04")).Concat(await Selected("noble", "20250718", "arm64", "hwe-24.04")).ToList();
        Server.Faults.Add("*20250718/hwe-24.04/generic/boot-kernel", MaasImages.TestServer.Fault.Status(404), count: -1);
        var observer = new RecordingObserver();
        await Save(newer, Options(SaveLayout.Mirror, keepVersions: 1), observer);
        Assert.NotEmpty(observer.Failures);
        Assert.Contains("Not removing older versions: some items could not be saved, so their older versions stay.", observer.Messages);
        Assert.All(older.Single().Files, f => Assert.True(File.Exists(Path.Combine(Root, f.Path)), f.Path));
        Assert.True(File.Exists(MirrorPath(newer[0], "boot-kernel")), "the image that did download is saved");
    }
}
