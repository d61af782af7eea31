using System.Security.Cryptography;
using System.Text.Json.Nodes;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Inventory;
using MaasImages.Engine.Layout;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Tests.Support;

namespace MaasImages.Engine.Tests.Inventory;

/// <summary>Get-MaasBootResource's engine: trees written by this module and by MAAS's rules, mirrors, hostile metadata.</summary>
public sealed class InventoryTests : ServedSampleTest
{
    private static string Sha256(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))).ToLowerInvariant();

    private List<MaasImagesException> Errors { get; } = [];

    private Task<IReadOnlyList<MaasBootResource>> Get(string? path = null, BootResourceQuery? query = null) =>
        BootResourceInventory.GetAsync(path ?? Root, query ?? new BootResourceQuery(), Errors.Add, CancellationToken.None);

    [Fact]
    public async Task A_rack_tree_saved_by_this_module_lists_one_resource_per_image_with_the_properties_of_its_version()
    {
        var images = await LatestAmd64("jammy");
        await Save(images, Options());
        var snapshot = new FileInfo(Path.Combine(Root, "current")).LinkTarget!;

        var resources = await Get();
        Assert.Empty(Errors);
        Assert.Equal(images.Select(i => i.ProductName).Order(), resources.Select(r => r.ProductName).Order());
        foreach (var image in images)
        {
            var resource = resources.Single(r => r.ProductName == image.ProductName);
            Assert.Equal(MaasBootResourceType.Image, resource.Type);
            Assert.Equal(SaveLayout.Rack, resource.Layout);
            Assert.Equal((image.Os, image.Release, image.Arch, image.Subarch, image.Kflavor, image.Label, image.VersionName, image.ContentId),
                (resource.Os, resource.Release, resource.Arch, resource.Subarch, resource.Kflavor, resource.Label, resource.VersionName, resource.ContentId));
            Assert.Equal("22.04", resource.ReleaseVersion);
            Assert.Equal(snapshot, resource.Snapshot);
            Assert.Equal(Root, resource.Root);
            // Every served file, with the sha256 recorded at save time (the cache name) and its source.
            var expected = image.Files.Where(f => f.FileType != "manifest").ToDictionary(f => Path.GetFileName(f.Path), f => f);
            Assert.NotEmpty(resource.Files);
            foreach (var file in resource.Files)
            {
                Assert.True(file.Exists);
                Assert.Equal(expected[file.Name].Sha256, file.Sha256);
                Assert.Equal(Sha256(file.Path), file.Sha256);
                Assert.Equal(expected[file.Name].Uri.AbsoluteUri, file.Source);
                Assert.Equal(expected[file.Name].Path, file.SourcePath);
                Assert.StartsWith(Path.Combine(Root, snapshot), file.Path, StringComparison.Ordinal);
            }
            Assert.Equal(expected.Values.Sum(f => f.Size), resource.TotalSize);
        }
        // ga-22.04 is also placed under generic/: both folders are its files; its own folder is its Path.
        var ga = resources.Single(r => r.ProductName.EndsWith(":ga-22.04", StringComparison.Ordinal));
        Assert.Equal(Path.Combine(Root, snapshot, "ubuntu", "amd64", "ga-22.04", "jammy", "stable"), ga.Path);
        Assert.Equal(6, ga.Files.Count);
        Assert.Contains(ga.Files, f => f.RelativePath == "ubuntu/amd64/generic/jammy/stable/squashfs");
        var lowlatency = resources.Single(r => r.Kflavor == "lowlatency");
        Assert.Equal("ga-22.04", lowlatency.Subarch);
        Assert.Equal(Path.Combine(Root, snapshot, "ubuntu", "amd64", "ga-22.04-lowlatency", "jammy", "stable"), lowlatency.Path);
        Assert.Equal(3, lowlatency.Files.Count);
    }

    [Fact]
    public async Task Filters_take_wildcards_and_version_numbers_and_the_type()
    {
        await Save(await Images(new ImageQuery { MaxVersions = 1 }));
        await Install(await Bootloaders());

        Assert.All(await Get(query: new BootResourceQuery { Release = ["22.*"] }), r => Assert.Equal("jammy", r.Release));
        Assert.All(await Get(query: new BootResourceQuery { Release = ["NOB*"], Arch = ["arm64"] }), r => Assert.Equal(("noble", "arm64"), (r.Release, r.Arch)));
        Assert.All(await Get(query: new BootResourceQuery { Os = ["centos"] }), r => Assert.Equal("centos", r.Os));
        Assert.Equal(2, (await Get(query: new BootResourceQuery { Os = ["centos"] })).Count);
        Assert.All(await Get(query: new BootResourceQuery { Subarch = ["hwe-*"] }), r => Assert.StartsWith("hwe-", r.Subarch, StringComparison.Ordinal));
        var bootloaders = await Get(query: new BootResourceQuery { Type = MaasBootResourceType.Bootloader });
        Assert.Equal(["open-firmware/ppc64el", "pxe/i386", "uefi/amd64", "uefi/arm64"], bootloaders.Select(b => $"{b.BootloaderType}/{b.Arch}").Order());
        Assert.DoesNotContain(await Get(query: new BootResourceQuery { Type = MaasBootResourceType.Image }), r => r.Type == MaasBootResourceType.Bootloader);
        Assert.Empty(Errors);
    }

    [Fact]
    public async Task Bootloader_members_carry_the_sha256_recorded_when_they_were_extracted()
    {
        var products = await Bootloaders();
        await Install(products);

        var uefi = (await Get()).Single(r => r.BootloaderType == "uefi" && r.Arch == "amd64");
        var product = products.Single(p => p.ProductName == uefi.ProductName);
        Assert.Equal(product.VersionName, uefi.VersionName);
        Assert.Equal(Path.Combine(Root, uefi.Snapshot!, "bootloader", "uefi", "amd64"), uefi.Path);
        Assert.Contains(uefi.Files, f => f.Name == "bootx64.efi");
        foreach (var file in uefi.Files)
        {
            Assert.Equal(Sha256(file.Path), file.Sha256);
            Assert.Equal(new FileInfo(file.Path).Length, file.ExpectedSize);
            Assert.Contains(product.Files, archive => archive.Uri.AbsoluteUri == file.Source && archive.Path == file.SourcePath);
        }

        // A second install (members already in the cache, nothing extracted) keeps the record in the new snapshot.
        File.Delete(Path.Combine(Root, "current", "bootx64.efi"));
        await Install(products, Options());
        var again = (await Get()).Single(r => r.BootloaderType == "uefi" && r.Arch == "amd64");
        Assert.NotEqual(uefi.Snapshot, again.Snapshot);
        Assert.All(again.Files, f => Assert.Equal(Sha256(f.Path), f.Sha256));
    }

    [RealFixtureFact]
    public async Task A_rack_tree_laid_out_by_MAAS_from_the_real_fixtures_is_listed_from_maas_meta_and_the_cache()
    {
        var written = MaasWrittenRackTree.WriteFromRealFixtures(Root);

        var resources = await Get();
        Assert.Empty(Errors);
        Assert.Equal(written.Keys.Order(), resources.Select(r => r.ProductName).Order());
        foreach (var resource in resources)
        {
            var (version, folder, files) = written[resource.ProductName];
            Assert.Equal(version, resource.VersionName);
            Assert.Equal(MaasWrittenRackTree.Snapshot, resource.Snapshot);
            Assert.Equal(Path.Combine(Root, MaasWrittenRackTree.Snapshot, folder.Replace('/', Path.DirectorySeparatorChar)), resource.Path);
            Assert.NotNull(resource.ContentId);
            // Found by inode: the sha256 each file's cache name says, for every folder it is placed in.
            Assert.All(resource.Files, f => Assert.Equal(files[f.Name], f.Sha256));
            Assert.Equal(files.Count, resource.Files.Select(f => f.Name).Distinct().Count());
        }
        var hwe = resources.Single(r => r.ProductName.EndsWith(":hwe-22.04", StringComparison.Ordinal));
        Assert.Equal(("ubuntu", "jammy", "amd64", "hwe-22.04", "generic", "stable"), (hwe.Os, hwe.Release, hwe.Arch, hwe.Subarch, hwe.Kflavor, hwe.Label));
        var centos = resources.Single(r => r.Release == "centos70");
        Assert.Equal(("centos", "generic"), (centos.Os, centos.Subarch));
        Assert.Equal("7.0", MaasWrittenRackTree.RealDocument("simplestreams_centos.json")["products"]![centos.ProductName]!["version"]!.ToString());
    }

    [Fact]
    public async Task A_mirror_saved_by_this_module_lists_the_saved_versions_and_a_lost_file_as_missing()
    {
        var images = await LatestAmd64("noble");
        await Save(images, Options(SaveLayout.Mirror));

        var resources = await Get();
        Assert.Empty(Errors);
        Assert.Equal(images.Select(i => (i.ProductName, i.VersionName)).Order(), resources.Select(r => (r.ProductName, r.VersionName)).Order());
        var image = images[0];
        var resource = resources.Single(r => r.ProductName == image.ProductName);
        Assert.Equal((image.Os, image.Release, image.ReleaseVersion, image.Arch, image.Subarch, image.Kflavor, image.Label, image.ContentId),
            (resource.Os, resource.Release, resource.ReleaseVersion, resource.Arch, resource.Subarch, resource.Kflavor, resource.Label, resource.ContentId));
        Assert.Equal(SaveLayout.Mirror, resource.Layout);
        Assert.Null(resource.Snapshot);
        Assert.Equal(image.Files.Select(f => (f.Path, f.Sha256, f.Uri.AbsoluteUri)).Order(), resource.Files.Select(f => (f.RelativePath, f.Sha256!, f.Source!)).Order());
        Assert.Equal(image.Size, resource.TotalSize);

        var lost = resource.Files[0];
        File.Delete(lost.Path);
        var after = (await Get()).Single(r => r.ProductName == image.ProductName);
        Assert.False(after.Files.Single(f => f.RelativePath == lost.RelativePath).Exists);
    }

    [Fact]
    public async Task A_mirror_made_by_another_tool_is_listed_from_its_documents_and_the_files_present()
    {
        // As sstream-mirror leaves it: the documents and some files, no record of this module.
        foreach (var document in Directory.GetFiles(Served.PathOf("streams/v1")))
        {
            Directory.CreateDirectory(Path.Combine(Root, "streams", "v1"));
            File.Copy(document, Path.Combine(Root, "streams", "v1", Path.GetFileName(document)));
        }
        var image = (await Images(new ImageQuery { Release = ["jammy"], Arch = ["arm64"], Subarch = ["hwe-22.04"], MaxVersions = 1 })).Single();
        foreach (var file in image.Files)
        {
            var target = Path.Combine(Root, file.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(Served.PathOf(file.Path), target);
        }
        var resources = await Get();
        Assert.Empty(Errors);
        var resource = Assert.Single(resources);
        Assert.Equal((image.ProductName, image.VersionName), (resource.ProductName, resource.VersionName));
        Assert.Equal(Path.Combine(Root, "jammy", "arm64", image.VersionName), resource.Path);
        Assert.All(resource.Files, f => Assert.Null(f.Source));
    }

    [Fact]
    public async Task A_snapshot_or_current_given_directly_reads_the_same_tree()
    {
        await Save(await Images(new ImageQuery { Release = ["noble"], Arch = ["arm64"], MaxVersions = 1 }), Options());
        var fromRoot = await Get();
        var fromCurrent = await Get(Path.Combine(Root, "current"));
        var fromSnapshot = await Get(Path.Combine(Root, fromRoot[0].Snapshot!));
        Assert.Equal(fromRoot.Select(r => r.Path), fromCurrent.Select(r => r.Path));
        Assert.Equal(fromRoot.Select(r => r.Path), fromSnapshot.Select(r => r.Path));
        Assert.All(fromCurrent, r => Assert.Equal(Root, r.Root));
    }

    [Fact]
    public async Task Hostile_or_damaged_metadata_has_clear_error_ids_and_no_path_leaves_the_tree()
    {
        await Save(await LatestAmd64("noble"), Options());
        var meta = Path.Combine(Root, "current", "maas.meta");
        var original = File.ReadAllText(meta);

        // A key that climbs out: that entry is an UnsafePath error, the others are still listed.
        var node = JsonNode.Parse(original)!.AsObject();
        node["ubuntu"]!["amd64"]!["ga-24.04"]!["generic"]!["noble"]!["../../../etc"] = new JsonObject { ["product_name"] = "evil", ["version_name"] = "1" };
        File.Delete(meta);
        File.WriteAllText(meta, node.ToJsonString());
        var listed = await Get();
        Assert.Equal("UnsafePath", Assert.Single(Errors).ErrorId);
        Assert.DoesNotContain(listed, r => r.ProductName == "evil");
        Assert.Contains(listed, r => r.ProductName.EndsWith(":ga-24.04", StringComparison.Ordinal));
        Errors.Clear();

        // Not JSON, not an object, a link to elsewhere: MalformedMaasMeta.
        foreach (var write in new Action[]
                 {
                     () => File.WriteAllText(meta, "{\"ubuntu\": {"),
                     () => File.WriteAllText(meta, "[1, 2]"),
                     () => File.CreateSymbolicLink(meta, "/etc/passwd"),
                 })
        {
            File.Delete(meta);
            write();
            var error = await Assert.ThrowsAnyAsync<MaasImagesException>(() => Get());
            Assert.Equal("MalformedMaasMeta", error.ErrorId);
        }

        // current pointing outside the tree is never read.
        var outside = Path.Combine(Target.Root, "..", "elsewhere-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(outside);
        try
        {
            File.Delete(Path.Combine(Root, "current"));
            File.CreateSymbolicLink(Path.Combine(Root, "current"), outside);
            Assert.Equal("UnsafeBootResourceTree", (await Assert.ThrowsAnyAsync<MaasImagesException>(() => Get())).ErrorId);
        }
        finally
        {
            Directory.Delete(outside);
        }

        // Neither a rack tree nor a mirror.
        var empty = Path.Combine(Root, "cache");
        Assert.Equal("NotABootResourceTree", (await Assert.ThrowsAnyAsync<MaasImagesException>(() => Get(empty))).ErrorId);
        Assert.Equal("NotABootResourceTree", (await Assert.ThrowsAnyAsync<MaasImagesException>(() => Get(Path.Combine(Root, "nope")))).ErrorId);
    }

    [Fact]
    public async Task A_mirror_with_a_hostile_products_document_is_an_error_for_that_document_only()
    {
        await Save(await LatestAmd64("noble"), Options(SaveLayout.Mirror));
        var centos = Path.Combine(Root, "streams", "v1", "com.ubuntu.maas:stable:centos-bases-download.json");
        var document = JsonNode.Parse(File.ReadAllText(centos))!.AsObject();
        foreach (var (_, product) in document["products"]!.AsObject())
            foreach (var (_, version) in product!["versions"]!.AsObject())
                foreach (var (_, item) in version!["items"]!.AsObject())
                    item!["path"] = "../../../../etc/passwd";
        File.WriteAllText(centos, document.ToJsonString());
        foreach (var signed in Directory.GetFiles(Path.Combine(Root, "streams", "v1"), "*centos*.sjson")) File.Delete(signed);

        var resources = await Get();
        Assert.Equal("UnsafePath", Assert.Single(Errors).ErrorId);
        Assert.NotEmpty(resources);
        Assert.All(resources, r => Assert.All(r.Files, f => Assert.StartsWith(Root, Path.GetFullPath(f.Path), StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_damaged_or_hostile_mirror_record_is_ignored_never_followed()
    {
        var images = await Images(new ImageQuery { Release = ["noble"], Arch = ["amd64"], Subarch = ["ga-*"], MaxVersions = 1 });
        await Save(images, Options(SaveLayout.Mirror));
        var state = Path.Combine(Root, ".maasimages-mirror.json");
        foreach (var text in new[]
                 {
                     "{\"../../../etc/passwd\": {\"Sha256\": \"00\", \"Size\": 1, \"Modified\": 0}}", "{\"noble/x\": null}", "[1, 2]",
                     "{\"x\": {\"Sha256\": 5}}", "not json",
                 })
        {
            File.WriteAllText(state, text);
            var resource = Assert.Single(await Get());
            Assert.Empty(Errors);
            Assert.All(resource.Files, f => Assert.True(f.Exists && f.Path.StartsWith(Root, StringComparison.Ordinal), f.Path));
        }
    }
}
