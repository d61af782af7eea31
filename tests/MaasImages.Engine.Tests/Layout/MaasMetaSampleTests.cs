using System.Text;
using System.Text.Json.Nodes;
using MaasImages.Engine.Layout;
using MaasImages.Engine.Platform;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Tests.Support;
using MaasImages.TestServer;

namespace MaasImages.Engine.Tests.Layout;

/// <summary>
/// maas.meta on the sample stream served over HTTP, saved for real (images and bootloaders): byte
/// for byte what <see cref="MaasMetaReference"/> derives from the raw documents; a tree written by
/// those rules is carried forward without a byte of it changing; aliases are never taken for images.
/// </summary>
public sealed class MaasMetaSampleTests : ServedSampleTest
{
    private string MetaPath => Path.Combine(Current, "maas.meta");

    /// <summary>The raw products documents in index order (bootloaders, centos, v3 in the sample index).</summary>
    private List<JsonObject> Documents() =>
        [.. new[] { TempStream.BootloaderProducts, TempStream.CentosProducts, TempStream.V3Products }.Select(d => JsonNode.Parse(Served.Read(d))!.AsObject())];

    private string Reference(IEnumerable<MaasImageVersion> selected)
    {
        var names = selected.Select(s => s.ProductName).ToHashSet(StringComparer.Ordinal);
        return MaasMetaReference.Build(Documents(), names.Contains);
    }

    private string WrittenMeta() => Encoding.ASCII.GetString(File.ReadAllBytes(MetaPath));

    public static TheoryData<string> Selections => ["amd64-jammy", "all", "hwe", "arm64-noble+centos"];

    private static ImageQuery Query(string selection) => selection switch
    {
        "amd64-jammy" => new ImageQuery { Release = ["jammy"], Arch = ["amd64"], MaxVersions = 1 },
        "all" => new ImageQuery { MaxVersions = 1 },
        "hwe" => new ImageQuery { Subarch = ["hwe-*"], MaxVersions = 1 },
        "arm64-noble+centos" => new ImageQuery { Release = ["noble", "centos70", "8"], Arch = ["arm64", "amd64"], Os = ["centos", "ubuntu"], MaxVersions = 1 },
        _ => throw new ArgumentOutOfRangeException(nameof(selection)),
    };

    [Theory]
    [MemberData(nameof(Selections))]
    public async Task Saved_maas_meta_equals_the_reference_byte_for_byte(string selection)
    {
        var images = await Images(Query(selection));
        var bootloaders = await Bootloaders();
        await Save(images);
        Assert.Equal(Reference(images), WrittenMeta());
        await Install(bootloaders);
        Assert.Equal(Reference(images.Concat(bootloaders)), WrittenMeta());
    }

    [Fact]
    public async Task Products_and_items_count_in_document_order_not_name_order()
    {
        // Reverse the products and the items of every version: simplestreams hands them to MAAS in
        // document order, which decides the first item (alias keys) and the last (own subarch).
        Served.EditJson(TempStream.V3Products, doc =>
        {
            var products = doc["products"]!.AsObject();
            var reversed = new JsonObject();
            foreach (var (name, product) in products.ToList().AsEnumerable().Reverse())
            {
                products.Remove(name);
                foreach (var (_, version) in product!["versions"]!.AsObject())
                {
                    var items = version!["items"]!.AsObject();
                    var backwards = new JsonObject();
                    foreach (var (itemName, item) in items.ToList().AsEnumerable().Reverse())
                    {
                        items.Remove(itemName);
                        backwards[itemName] = item;
                    }
                    version["items"] = backwards;
                }
                reversed[name] = product;
            }
            doc["products"] = reversed;
        });
        var images = await Images(new ImageQuery { Release = ["jammy"], MaxVersions = 1 });
        await Save(images);
        var written = WrittenMeta();
        Assert.Equal(Reference(images), written);
        // Now hwe-22.04 comes first and takes the aliases; the own subarch keeps the last item, boot-initrd.
        using var meta = System.Text.Json.JsonDocument.Parse(written);
        var jammy = meta.RootElement.GetProperty("ubuntu").GetProperty("amd64");
        Assert.EndsWith(":hwe-22.04", jammy.GetProperty("hwe-p").GetProperty("generic").GetProperty("jammy").GetProperty("stable").GetProperty("product_name").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("/boot-initrd", jammy.GetProperty("ga-22.04").GetProperty("generic").GetProperty("jammy").GetProperty("stable").GetProperty("path").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tree_written_by_maas_rules_is_carried_forward_without_a_byte_of_maas_meta_changing()
    {
        var images = await Images(new ImageQuery { MaxVersions = 1 });
        var bootloaders = await Bootloaders();
        await Save(images);
        await Install(bootloaders);
        // The tree's maas.meta as MAAS's rules write it (the reference); make sure that is what is on disk.
        var golden = Encoding.ASCII.GetBytes(Reference(images.Concat(bootloaders)));
        File.Delete(MetaPath); // a new file, not through the hard link the cache may share
        File.WriteAllBytes(MetaPath, golden);
        var snapshot = new FileInfo(Current).LinkTarget;

        // The same selection, parts of it, and the bootloaders again: nothing new is selected.
        foreach (var query in new[] { new ImageQuery { MaxVersions = 1 }, new ImageQuery { Release = ["jammy"], MaxVersions = 1 },
                     new ImageQuery { Subarch = ["hwe-*"], MaxVersions = 1 }, new ImageQuery { Kflavor = ["lowlatency"], MaxVersions = 1 },
                     new ImageQuery { Os = ["centos"], MaxVersions = 1 } })
        {
            var subset = await Images(query);
            Assert.True(ImageSaver.Plan(subset, Options()).NothingChanged);
            await Save(subset);
            Assert.Equal(snapshot, new FileInfo(Current).LinkTarget);
            Assert.Equal(golden, File.ReadAllBytes(MetaPath));
        }
        await Install(bootloaders);
        Assert.Equal(snapshot, new FileInfo(Current).LinkTarget);
        Assert.Equal(golden, File.ReadAllBytes(MetaPath));

        // Something new (jammy at its older version) changes exactly what MAAS's rules change.
        var olderJammy = await Images(new ImageQuery { Release = ["jammy"], VersionName = ["20250701"] });
        await Save(olderJammy);
        var now = images.Where(i => i.Release != "jammy").Concat(olderJammy).Concat(bootloaders).ToDictionary(i => i.ProductName, i => i.VersionName, StringComparer.Ordinal);
        Assert.Equal(MaasMetaReference.Build(Documents(), now.ContainsKey, name => now[name]), WrittenMeta());
    }

    [Fact]
    public async Task Images_saved_over_several_runs_give_the_maas_meta_of_all_of_them_at_once()
    {
        // hwe-22.04 first: alone it holds every alias key of jammy/amd64. ga-22.04 comes before it
        // in the stream, so once both are in the tree MAAS gives ga-22.04 those keys.
        var hwe = await Images(new ImageQuery { Release = ["jammy"], Arch = ["amd64"], Subarch = ["hwe-22.04"], MaxVersions = 1 });
        await Save(hwe);
        Assert.Equal(Reference(hwe), WrittenMeta());
        var ga = await Images(new ImageQuery { Release = ["jammy"], Arch = ["amd64"], Subarch = ["ga-22.04"], Kflavor = ["generic"], MaxVersions = 1 });
        await Save(ga);
        Assert.Equal(Reference(hwe.Concat(ga)), WrittenMeta());
        // Then the rest, in reverse stream order, and the bootloaders.
        var all = await Images(new ImageQuery { MaxVersions = 1 });
        foreach (var os in new[] { "ubuntu", "centos" })
            await Save(all.Where(i => i.Os == os).ToList());
        var bootloaders = await Bootloaders();
        await Install(bootloaders);
        Assert.Equal(Reference(all.Concat(bootloaders)), WrittenMeta());

        // A carried version the stream no longer lists keeps its entries as they are.
        Served.EditJson(TempStream.V3Products, doc =>
        {
            foreach (var (name, product) in doc["products"]!.AsObject())
                if (name.EndsWith(":amd64:hwe-22.04", StringComparison.Ordinal)) product!["versions"]!.AsObject().Remove("20250718");
        });
        var before = WrittenMeta();
        await Save(await LatestAmd64("noble"));
        Assert.Equal(before, WrittenMeta());
    }

    [Fact]
    public async Task Alias_entries_are_never_taken_for_images_to_carry_forward_or_remove()
    {
        // The sample's lowlatency product has subarch ga-22.04: its maas.meta key is
        // ubuntu/amd64/ga-22.04/lowlatency/…, but its files live in ga-22.04-lowlatency/. Replacing
        // it must not touch the ga-22.04 folder of the generic kernel carried forward.
        await Save(await Images(new ImageQuery { Release = ["jammy"], Arch = ["amd64"], VersionName = ["20250701"] }));
        var gaFolder = Path.Combine(Current, "ubuntu", "amd64", "ga-22.04", "jammy", "stable");
        var genericFolder = Path.Combine(Current, "ubuntu", "amd64", "generic", "jammy", "stable");
        var gaKernel = File.ReadAllBytes(Path.Combine(gaFolder, "boot-kernel"));

        var lowlatency = await Images(new ImageQuery { Release = ["jammy"], Arch = ["amd64"], Kflavor = ["lowlatency"], MaxVersions = 1 });
        Assert.Equal("20250718", Assert.Single(lowlatency).VersionName);
        await Save(lowlatency);
        foreach (var folder in new[] { gaFolder, genericFolder, Path.Combine(Current, "ubuntu", "amd64", "hwe-22.04", "jammy", "stable") })
            foreach (var name in new[] { "boot-kernel", "boot-initrd", "squashfs" })
                Assert.True(File.Exists(Path.Combine(folder, name)), $"{folder}/{name} carried forward");
        Assert.Equal(gaKernel, File.ReadAllBytes(Path.Combine(gaFolder, "boot-kernel")));
        var newKernel = lowlatency[0].Files.Single(f => f.FileType == "boot-kernel");
        Assert.True(NativeFileSystem.IsSameFile(Path.Combine(Root, "cache", newKernel.Sha256),
            Path.Combine(Current, "ubuntu", "amd64", "ga-22.04-lowlatency", "jammy", "stable", "boot-kernel")));
        Assert.Contains("\"version_name\": \"20250701\"", WrittenMeta(), StringComparison.Ordinal);

        // -Prune keeps only this selection, whatever keys the old entries had.
        await Save(lowlatency, Options(prune: true));
        Assert.False(Directory.Exists(gaFolder));
        Assert.False(Directory.Exists(genericFolder));
        Assert.True(File.Exists(Path.Combine(Current, "ubuntu", "amd64", "ga-22.04-lowlatency", "jammy", "stable", "squashfs")));
        Assert.Equal(Reference(lowlatency), WrittenMeta());
        Assert.Equal(["ga-22.04-lowlatency"], Directory.GetDirectories(Path.Combine(Current, "ubuntu", "amd64")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Replacing_an_image_never_deletes_through_a_link_in_the_tree()
    {
        await Save(await Images(new ImageQuery { Release = ["jammy"], Arch = ["amd64"], Subarch = ["hwe-22.04"], VersionName = ["20250701"] }));
        // Someone made ubuntu/amd64/hwe-22.04 a link to a folder outside the destination.
        using var outside = new TempStream();
        var elsewhere = Path.Combine(outside.Root, "jammy", "stable");
        Directory.CreateDirectory(elsewhere);
        File.WriteAllText(Path.Combine(elsewhere, "keep-me"), "not MaasImages' file");
        var snapshot = new FileInfo(Current).ResolveLinkTarget(returnFinalTarget: true)!.FullName;
        Directory.Delete(Path.Combine(snapshot, "ubuntu", "amd64", "hwe-22.04"), recursive: true);
        Directory.CreateSymbolicLink(Path.Combine(snapshot, "ubuntu", "amd64", "hwe-22.04"), outside.Root);

        try
        {
            await Save(await Images(new ImageQuery { Release = ["jammy"], Arch = ["amd64"], Subarch = ["hwe-22.04"], MaxVersions = 1 }));
        }
        catch (Errors.MaasImagesException)
        {
            // refusing the linked tree is fine too; deleting through it is not
        }
        Assert.True(File.Exists(Path.Combine(elsewhere, "keep-me")));
    }
}
