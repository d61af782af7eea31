using System.Security.Cryptography;
using System.Text.Json;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Layout;
using MaasImages.Engine.Platform;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Tests.Support;
using MaasImages.Engine.Transfer;
using MaasImages.TestServer;

namespace MaasImages.Engine.Tests.Layout;

/// <summary>Save-MaasImage's engine on the sample stream served over HTTP: rack and mirror layouts on real files.</summary>
public sealed class SaveLayoutTests : ServedSampleTest
{
    private static string Sha256(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))).ToLowerInvariant();

    [Fact]
    public async Task Rack_layout_matches_what_a_rack_controller_writes()
    {
        var images = await LatestAmd64("jammy");
        var saved = await Save(images, Options());

        // current is a relative symlink to the one snapshot.
        var link = new FileInfo(Current).LinkTarget;
        Assert.NotNull(link);
        Assert.Matches(@"^snapshot-\d{8}-\d{6}$", link);
        Assert.Single(Directory.GetDirectories(Root, "snapshot-*"));
        Assert.All(saved, s => Assert.Equal(Path.Combine(Root, link!), s.Path));

        // Paths: <os>/<arch>/<subarch>/<release>/<label>/<basename>, flavours folded, generic alias for ga.
        foreach (var folder in new[] { "ga-22.04", "hwe-22.04", "ga-22.04-lowlatency", "generic" })
        {
            foreach (var name in new[] { "boot-kernel", "boot-initrd", "squashfs" })
                Assert.True(File.Exists(Path.Combine(Current, "ubuntu", "amd64", folder, "jammy", "stable", name)), $"{folder}/{name}");
        }
        Assert.False(File.Exists(Path.Combine(Current, "ubuntu", "amd64", "ga-22.04", "jammy", "stable", "squashfs.manifest")));

        // Every placed file is a hard link into cache/<sha256> and verifies.
        var ga = images.Single(i => i.Subarch == "ga-22.04" && i.Kflavor == "generic");
        foreach (var file in ga.Files.Where(f => f.FileType != "manifest"))
        {
            var placed = Path.Combine(Current, "ubuntu", "amd64", "ga-22.04", "jammy", "stable", Path.GetFileName(file.Path));
            Assert.Equal(file.Sha256, Sha256(placed));
            Assert.True(NativeFileSystem.IsSameFile(placed, Path.Combine(Root, "cache", file.Sha256)));
        }
        // The squashfs shared by ga, hwe and lowlatency is one inode, fetched once.
        var squashfs = Path.Combine(Current, "ubuntu", "amd64", "ga-22.04", "jammy", "stable", "squashfs");
        Assert.True(NativeFileSystem.IsSameFile(squashfs, Path.Combine(Current, "ubuntu", "amd64", "hwe-22.04", "jammy", "stable", "squashfs")));
        Assert.True(NativeFileSystem.IsSameFile(squashfs, Path.Combine(Current, "ubuntu", "amd64", "generic", "jammy", "stable", "squashfs")));
        Assert.Single(Server.Requests, r => r.Path.EndsWith("/squashfs", StringComparison.Ordinal));
        // hwe-22.04 is not hwe-<first letter of the release>: no generic alias from it, and the generic alias comes from ga.
        Assert.True(NativeFileSystem.IsSameFile(
            Path.Combine(Current, "ubuntu", "amd64", "generic", "jammy", "stable", "boot-kernel"),
            Path.Combine(Current, "ubuntu", "amd64", "ga-22.04", "jammy", "stable", "boot-kernel")));
    }

    [Fact]
    public async Task Maas_meta_has_the_keys_maas_checks_in_one_sorted_line()
    {
        await Save(await LatestAmd64("jammy", "noble"), Options());
        var text = File.ReadAllText(Path.Combine(Current, "maas.meta"));
        Assert.DoesNotContain('\n', text);
        using var meta = JsonDocument.Parse(text);
        var entry = meta.RootElement.GetProperty("ubuntu").GetProperty("amd64").GetProperty("ga-22.04").GetProperty("generic")
            .GetProperty("jammy").GetProperty("stable");
        var keys = entry.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
        foreach (var key in new[] { "content_id", "kflavor", "path", "product_name", "subarches", "version_name" })
            Assert.Contains(key, keys);
        Assert.Equal("com.ubuntu.maas.stable:v3:boot:22.04:amd64:ga-22.04", entry.GetProperty("product_name").GetString());
        Assert.Equal("20250718", entry.GetProperty("version_name").GetString());
        Assert.Equal("com.ubuntu.maas:stable:v3:download", entry.GetProperty("content_id").GetString());
        // the generic alias has its own entry; the lowlatency flavour sits under its own kflavor key of its subarch
        Assert.True(meta.RootElement.GetProperty("ubuntu").GetProperty("amd64").GetProperty("generic").GetProperty("generic").TryGetProperty("noble", out _));
        Assert.True(meta.RootElement.GetProperty("ubuntu").GetProperty("amd64").GetProperty("ga-22.04").GetProperty("lowlatency").TryGetProperty("jammy", out _));
        Assert.StartsWith("{\"ubuntu\": {\"amd64\": {", text, StringComparison.Ordinal); // Python's separators
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                File.GetUnixFileMode(Path.Combine(Current, "maas.meta")));
    }

    [Fact]
    public async Task A_second_identical_run_changes_nothing_and_fetches_nothing()
    {
        var images = await LatestAmd64("jammy");
        await Save(images, Options());
        var snapshot = new FileInfo(Current).LinkTarget;
        Server.ResetCounters();
        var saved = await Save(images, Options());
        Assert.Equal(snapshot, new FileInfo(Current).LinkTarget);
        Assert.Empty(Server.Requests);
        Assert.All(saved, s => Assert.Equal(0, s.BytesDownloaded));
        Assert.All(saved, s => Assert.True(s.BytesReused > 0));
    }

    [Fact]
    public async Task A_new_selection_makes_a_new_snapshot_carrying_the_old_images_and_cleaning_up()
    {
        await Save(await LatestAmd64("jammy"), Options());
        var first = new FileInfo(Current).LinkTarget!;
        await Save(await LatestAmd64("noble"), Options());
        var second = new FileInfo(Current).LinkTarget!;

        Assert.NotEqual(first, second);
        Assert.False(Directory.Exists(Path.Combine(Root, first)), "old snapshot removed");
        Assert.True(File.Exists(Path.Combine(Current, "ubuntu", "amd64", "ga-22.04", "jammy", "stable", "squashfs")), "jammy carried forward");
        Assert.True(File.Exists(Path.Combine(Current, "ubuntu", "amd64", "ga-24.04", "noble", "stable", "squashfs")));
        var meta = File.ReadAllText(Path.Combine(Current, "maas.meta"));
        Assert.Contains("\"jammy\"", meta, StringComparison.Ordinal);
        Assert.Contains("\"noble\"", meta, StringComparison.Ordinal);

        // -Prune keeps only this selection; cache files nothing links to any more go away.
        await Save(await LatestAmd64("noble"), Options(prune: true));
        Assert.False(Directory.Exists(Path.Combine(Current, "ubuntu", "amd64", "ga-22.04")));
        Assert.DoesNotContain("\"jammy\"", File.ReadAllText(Path.Combine(Current, "maas.meta")), StringComparison.Ordinal);
        foreach (var cached in Directory.GetFiles(Path.Combine(Root, "cache")))
            Assert.True(NativeFileSystem.GetLinkCount(cached) > 1, $"{cached} is referenced by no snapshot");
        Assert.Empty(Directory.GetFileSystemEntries(Root, "*.placing", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Force_rehashes_and_refetches_a_damaged_cache_file()
    {
        var images = await LatestAmd64("noble");
        await Save(images, Options());
        var kernel = images.First().Files.Single(f => f.FileType == "boot-kernel");
        var cached = Path.Combine(Root, "cache", kernel.Sha256);
        var bytes = File.ReadAllBytes(cached);
        bytes[10] ^= 0xff;
        File.Delete(cached); // break the link so only the cache copy is damaged, same size
        File.WriteAllBytes(cached, bytes);

        Server.ResetCounters();
        await Save(images, Options(force: true));
        Assert.Equal(kernel.Sha256, Sha256(cached));
        Assert.Equal(kernel.Sha256, Sha256(Path.Combine(Current, "ubuntu", "amd64", "ga-24.04", "noble", "stable", "boot-kernel")));
        Assert.Contains(Server.Requests, r => r.Path.EndsWith(kernel.Path, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Not_enough_space_refuses_before_downloading_anything()
    {
        Served.EditJson(TempStream.V3Products, doc =>
        {
            foreach (var product in doc["products"]!.AsObject())
                foreach (var version in product.Value!["versions"]!.AsObject())
                    version.Value!["items"]!["squashfs"]!["size"] = 1L << 55;
        });
        var error = await Assert.ThrowsAsync<InsufficientDiskSpaceException>(async () => await Save(await LatestAmd64("jammy"), Options()));
        Assert.True(error.Needed > 1L << 55);
        Assert.DoesNotContain(Server.Requests, r => !r.Path.StartsWith("streams/", StringComparison.Ordinal) && !r.Path.StartsWith("/streams/", StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(Root, "cache")) && Directory.EnumerateFiles(Path.Combine(Root, "cache")).Any());
        Assert.False(File.Exists(Current));
    }

    [Fact]
    public async Task Concurrent_runs_on_one_destination_wait_for_each_other_and_end_with_a_correct_tree()
    {
        Server.Faults.Add("*squashfs", Fault.Throttle(200_000), count: -1); // keep the first run busy for a moment
        var jammy = await LatestAmd64("jammy");
        var noble = await LatestAmd64("noble");
        var observer = new RecordingObserver();
        var first = Save(jammy, Options(), observer);
        var second = Save(noble, Options(), observer);
        await Task.WhenAll(first, second);

        Assert.Contains(observer.Warnings, w => w.StartsWith("Waiting for another run", StringComparison.Ordinal));
        foreach (var image in jammy.Concat(noble))
            foreach (var file in image.Files.Where(f => f.FileType != "manifest"))
                Assert.Equal(file.Sha256, Sha256(Path.Combine(Root, "cache", file.Sha256)));
        Assert.True(Directory.Exists(Path.Combine(Current, "ubuntu", "amd64", "ga-22.04", "jammy")));
        Assert.True(Directory.Exists(Path.Combine(Current, "ubuntu", "amd64", "ga-24.04", "noble")));
        Assert.Empty(Directory.GetFiles(Path.Combine(Root, "cache"), "*.partial"));
    }

    [Fact]
    public async Task An_interrupted_save_resumes_and_fetches_only_the_rest()
    {
        var images = await LatestAmd64("noble");
        var total = images.SelectMany(i => i.Files).Where(f => f.FileType != "manifest").DistinctBy(f => f.Sha256).Sum(f => f.Size);
        Server.ResetCounters(); // count image bytes only, not the metadata read above
        // A gate the test controls: the squashfs stops at half until cancelled; every other file completes.
        var squashfs = images.SelectMany(i => i.Files).First(f => f.FileType == "squashfs");
        var never = new TaskCompletionSource();
        Server.Faults.Add("*squashfs", Fault.Hold(squashfs.Size / 2, never.Task));
        using var cts = new CancellationTokenSource();
        var observer = new RecordingObserver
        {
            OnSnapshot = s => { if (s.FilesDone == s.FilesTotal - 1 && s.BytesDone >= total - squashfs.Size / 2) cts.Cancel(); },
        };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ImageSaver.SaveAsync(images, Options(stallTimeout: TimeSpan.FromMinutes(10)), observer, cts.Token));
        Assert.False(File.Exists(Current));
        var firstRun = Server.BytesSent;
        Assert.InRange(firstRun, total / 3, total - 1);

        Server.Faults.Clear();
        Server.ResetCounters();
        await Save(images, Options());
        Assert.True(File.Exists(Path.Combine(Current, "maas.meta")));
        Assert.InRange(firstRun + Server.BytesSent, total, total + total / 20); // ≤ 1.05× the data
    }

    [Fact]
    public async Task Mirror_layout_keeps_upstream_paths_and_metadata_byte_for_byte()
    {
        var images = await LatestAmd64("jammy");
        var saved = await Save(images, Options(SaveLayout.Mirror));
        foreach (var file in images.SelectMany(i => i.Files))
            Assert.Equal(file.Sha256, Sha256(Path.Combine(Root, file.Path)));
        Assert.All(saved, s => Assert.Equal(Root, s.Path));
        // Every document the (signed, unchangeable) index names, so the mirror is a complete stream.
        foreach (var doc in new[] { TempStream.Index, TempStream.V3Products, TempStream.CentosProducts, TempStream.BootloaderProducts })
            Assert.Equal(File.ReadAllBytes(Served.PathOf(doc)), File.ReadAllBytes(Path.Combine(Root, doc)));
        // ...but only the selected files.
        Assert.False(Directory.Exists(Path.Combine(Root, "centos")));
        Assert.False(Directory.Exists(Path.Combine(Root, "noble")));
        // The saved mirror is itself a stream that lists the same images.
        var mirrored = await StreamClient.OpenAsync(StreamSource.Resolve(null, Root), true, CancellationToken.None);
        var again = await StreamClient.GetImageVersionsAsync(mirrored, mirrored.Contents.Single(c => c.ContentId.EndsWith(":v3:download", StringComparison.Ordinal)),
            new ImageQuery { Release = ["jammy"], Arch = ["amd64"], MaxVersions = 1 }, CancellationToken.None);
        Assert.Equal(images.Select(i => i.ToString()), again.Select(i => i.ToString()));
    }

    [Fact]
    public async Task Mirror_keeps_signed_and_detached_forms_as_offered()
    {
        var index = Served.Read(TempStream.Index);
        Served.Write("streams/v1/index.sjson", Security.ClearSignedMessageTests.Armor(index.Replace(".json\"", ".sjson\"", StringComparison.Ordinal)));
        foreach (var doc in new[] { TempStream.V3Products, TempStream.CentosProducts, TempStream.BootloaderProducts })
            Served.Write(Path.ChangeExtension(doc, ".sjson"), Security.ClearSignedMessageTests.Armor(Served.Read(doc)));
        Served.Write(TempStream.V3Products + ".gpg", "-----BEGIN PGP SIGNATURE-----\n\nfake\n-----END PGP SIGNATURE-----\n");

        await Save(await LatestAmd64("noble"), Options(SaveLayout.Mirror));
        foreach (var doc in new[] { "streams/v1/index.sjson", TempStream.Index, Path.ChangeExtension(TempStream.V3Products, ".sjson"), TempStream.V3Products, TempStream.V3Products + ".gpg" })
            Assert.Equal(File.ReadAllBytes(Served.PathOf(doc)), File.ReadAllBytes(Path.Combine(Root, doc)));
    }

    [Fact]
    public async Task Mirror_leaves_old_versions_alone_unless_pruned()
    {
        var older = await Images(new ImageQuery { Release = ["noble"], Arch = ["arm64"], Subarch = ["ga-24.04"], VersionName = ["20250701"] });
        var newer = await Images(new ImageQuery { Release = ["noble"], Arch = ["arm64"], Subarch = ["ga-24.04"], VersionName = ["20250718"] });
        await Save(older, Options(SaveLayout.Mirror));
        await Save(newer, Options(SaveLayout.Mirror));
        var oldKernel = Path.Combine(Root, older.Single().Files.Single(f => f.FileType == "boot-kernel").Path);
        Assert.True(File.Exists(oldKernel));

        Server.ResetCounters();
        await Save(newer, Options(SaveLayout.Mirror, prune: true));
        Assert.False(File.Exists(oldKernel));
        Assert.True(File.Exists(Path.Combine(Root, newer.Single().Files.Single(f => f.FileType == "boot-kernel").Path)));
        Assert.DoesNotContain(Server.Requests, r => !r.Path.Contains("streams/", StringComparison.Ordinal)); // nothing re-fetched
    }

    [Fact]
    public async Task Mirror_verifies_a_file_it_did_not_record_and_replaces_it_when_wrong()
    {
        var images = await Images(new ImageQuery { Release = ["jammy"], Arch = ["arm64"], Subarch = ["ga-22.04"], MaxVersions = 1 });
        var kernel = images.Single().Files.Single(f => f.FileType == "boot-kernel");
        var local = Path.Combine(Root, kernel.Path);
        Directory.CreateDirectory(Path.GetDirectoryName(local)!);
        File.WriteAllBytes(local, new byte[kernel.Size]); // right size, wrong bytes, unknown to the state file

        var observer = new RecordingObserver();
        await Save(images, Options(SaveLayout.Mirror), observer);
        Assert.Equal(kernel.Sha256, Sha256(local));
        Assert.Contains(observer.Messages, m => m.Contains("does not match its sha256", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Plan_reads_only_and_counts_what_would_be_fetched()
    {
        var images = await LatestAmd64("jammy");
        var plan = ImageSaver.Plan(images, Options());
        var unique = images.SelectMany(i => i.Files).Where(f => f.FileType != "manifest").DistinctBy(f => f.Sha256).ToList();
        Assert.Equal(7, unique.Count); // ga, lowlatency and hwe kernels and initrds, one shared squashfs
        Assert.Equal(unique.Count, plan.Files);
        Assert.Equal(unique.Sum(f => f.Size), plan.BytesToFetch);
        Assert.Equal(plan.Files, plan.FilesToFetch);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Root));

        await Save(images, Options());
        var after = ImageSaver.Plan(images, Options());
        Assert.Equal(0, after.FilesToFetch);
        Assert.True(after.NothingChanged);
    }
}
