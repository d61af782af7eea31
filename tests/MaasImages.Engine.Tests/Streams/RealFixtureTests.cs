using MaasImages.Engine.Streams;
using MaasImages.Engine.Tests.Support;

namespace MaasImages.Engine.Tests.Streams;

/// <summary>
/// The real (cut-down) images.maas.io documents in ../shared/fixtures/real, laid out as a stream in
/// a temp folder at test time (never copied into the repository).
/// </summary>
public sealed class RealFixtureTests
{
    private static TempStream RealStream(string ubuntuFixture = "simplestreams_ubuntu.json")
    {
        var stream = new TempStream();
        string Fixture(string name) => File.ReadAllText(Path.Combine(RepoPaths.RealFixtures, name));
        stream.Write(TempStream.Index, Fixture("simplestreams_index.json"));
        stream.Write(TempStream.V3Products, Fixture(ubuntuFixture));
        stream.Write(TempStream.CentosProducts, Fixture("simplestreams_centos.json"));
        stream.Write(TempStream.BootloaderProducts, Fixture("simplestreams_bootloaders.json"));
        return stream;
    }

    private static async Task<(MaasStream Stream, List<MaasImageVersion> Images)> ReadAll(TempStream temp, ImageQuery? query = null)
    {
        var stream = await StreamClient.OpenAsync(StreamSource.Resolve(null, temp.Root), true, CancellationToken.None); // upstream samples are unsigned copies
        var images = new List<MaasImageVersion>();
        foreach (var content in stream.Contents.Where(c => c.Kind == MaasContentKind.Images))
            images.AddRange(await StreamClient.GetImageVersionsAsync(stream, content, query ?? new ImageQuery(), CancellationToken.None));
        return (stream, images);
    }

    [RealFixtureFact]
    public async Task Index_lists_three_content_ids_with_kinds_counts_and_dates()
    {
        using var temp = RealStream();
        var (stream, _) = await ReadAll(temp);

        Assert.Equal("stable", stream.Name);
        Assert.False(stream.Signed);
        Assert.Equal(StreamSignatureStatus.Unsigned, stream.SignatureStatus); // read with skipSignatureCheck
        Assert.Equal(new DateTimeOffset(2025, 7, 24, 8, 1, 49, TimeSpan.Zero), stream.Updated);
        Assert.Equal(
            ["com.ubuntu.maas:stable:1:bootloader-download", "com.ubuntu.maas:stable:centos-bases-download", "com.ubuntu.maas:stable:v3:download"],
            stream.ContentIds);
        Assert.Equal([MaasContentKind.Bootloaders, MaasContentKind.Images, MaasContentKind.Images], stream.Contents.Select(c => c.Kind));
        Assert.Equal([5, 2, 4], stream.Contents.Select(c => c.ProductCount));
        Assert.Equal(11, stream.ProductCount);
        Assert.Equal("image-ids", stream.Contents[0].Datatype);
    }

    [RealFixtureFact]
    public async Task Ubuntu_products_flatten_product_props_into_every_version_and_file()
    {
        using var temp = RealStream();
        var (_, images) = await ReadAll(temp);
        var ubuntu = images.Where(i => i.Os == "ubuntu").ToList();

        Assert.Equal(8, ubuntu.Count); // 4 products x 2 versions
        Assert.All(ubuntu, i => Assert.Equal(["boot-initrd", "boot-kernel", "manifest", "squashfs"], i.Files.Select(f => f.Name)));

        var jammy = Assert.Single(ubuntu, i => i.ProductName == "com.ubuntu.maas.stable:v3:boot:22.04:amd64:ga-22.04" && i.VersionName == "20250718");
        Assert.Equal("jammy", jammy.Release);
        Assert.Equal("22.04", jammy.ReleaseVersion);
        Assert.Equal("22.04 LTS", jammy.ReleaseTitle);
        Assert.Equal("amd64", jammy.Arch);
        Assert.Equal("ga-22.04", jammy.Subarch);
        Assert.Equal("generic", jammy.Kflavor);
        Assert.Equal("stable", jammy.Label);
        Assert.Equal(new DateTime(2027, 4, 21), jammy.SupportEol);
        Assert.Equal(new DateTime(2032, 4, 21), jammy.SupportEsmEol);
        Assert.Contains("ga-22.04", jammy.Subarches);
        Assert.Equal(22, jammy.Subarches.Count);
        Assert.True(jammy.IsLatest);
        Assert.Equal("com.ubuntu.maas:stable:v3:download", jammy.ContentId);
        Assert.Equal("image-ids", jammy.Properties["datatype"]); // top level inherited

        var kernel = jammy.Files.Single(f => f.Name == "boot-kernel");
        Assert.Equal("boot-kernel", kernel.FileType);
        Assert.Equal("jammy/amd64/20250718/ga-22.04/generic/boot-kernel", kernel.Path);
        Assert.Equal(11708744, kernel.Size);
        Assert.Equal("54fe42a379c138a86bf12279ed26e5ac2b4c0821823978831ce288c2cd9a121f", kernel.Sha256);
        Assert.Equal("linux-generic", kernel.Properties["kpackage"]);
        Assert.Equal(new Uri(new Uri(temp.Root + "/"), "jammy/amd64/20250718/ga-22.04/generic/boot-kernel"), kernel.Uri);

        var squashfs = jammy.Files.Single(f => f.Name == "squashfs");
        Assert.Equal(455462912, squashfs.Size);
        Assert.Equal(11708744 + 115876578 + 17741 + 455462912L, jammy.Size);

        var older = Assert.Single(ubuntu, i => i.ProductName == jammy.ProductName && i.VersionName == "20250615");
        Assert.False(older.IsLatest);
    }

    [RealFixtureFact]
    public async Task Older_fixture_has_an_hwe_kernel_product()
    {
        using var temp = RealStream("simplestreams_ubuntu.3182e1bf.json");
        var (_, images) = await ReadAll(temp, new ImageQuery { Subarch = ["hwe-*"] });

        Assert.NotEmpty(images);
        Assert.All(images, i => Assert.Equal("com.ubuntu.maas.stable:v3:boot:22.04:amd64:hwe-22.04", i.ProductName));
        var kernel = images[^1].Files.Single(f => f.Name == "boot-kernel");
        Assert.Equal("linux-generic-hwe-22.04", kernel.Properties["kpackage"]);
        Assert.EndsWith("/hwe-22.04/generic/boot-kernel", kernel.Path);
    }

    [RealFixtureFact]
    public async Task Centos_products_read_with_generic_subarch_and_underscore_versions()
    {
        using var temp = RealStream();
        var (_, images) = await ReadAll(temp, new ImageQuery { Os = ["centos"] });

        Assert.Equal(4, images.Count);
        Assert.All(images, i => Assert.Equal("generic", i.Subarch));
        Assert.All(images, i => Assert.Null(i.Kflavor));
        var seven = images.Where(i => i.Release == "centos70").ToList();
        Assert.Equal(["20240604_01", "20240622_01"], seven.Select(i => i.VersionName));
        Assert.Equal("7.0", seven[0].ReleaseVersion);
        Assert.Equal(["manifest", "root-tgz"], seven[0].Files.Select(f => f.Name));
        Assert.Equal(517394513, seven[0].Files.Single(f => f.FileType == "root-tgz").Size);
    }

    [RealFixtureFact]
    public async Task Release_matches_codename_or_version_number_and_latest_keeps_one_per_product()
    {
        using var temp = RealStream();
        var (_, byNumber) = await ReadAll(temp, new ImageQuery { Release = ["24.04"], MaxVersions = 1 });
        var (_, byName) = await ReadAll(temp, new ImageQuery { Release = ["noble"], MaxVersions = 1 });

        Assert.Equal(2, byNumber.Count);
        Assert.Equal(byNumber.Select(i => i.ToString()), byName.Select(i => i.ToString()));
        Assert.All(byNumber, i => Assert.True(i.IsLatest));
    }

    [RealFixtureFact]
    public async Task Bootloader_products_keep_the_arches_list_with_its_space_quirk()
    {
        using var temp = RealStream();
        var (stream, _) = await ReadAll(temp);
        var content = stream.Contents.Single(c => c.Kind == MaasContentKind.Bootloaders);
        var catalog = await StreamClient.ReadCatalogAsync(stream, content, CancellationToken.None);

        Assert.Equal(5, catalog.Products.Count);
        var pxe = catalog.Products.Single(p => p.Name == "com.ubuntu.maas.stable:1:pxelinux:pxe:amd64");
        Assert.Equal("amd64, i386", pxe.Props.Get("arches"));
        Assert.Equal(["amd64", "i386"], PropertyLists.Split(pxe.Props.Get("arches")));
        Assert.Equal("pxe", pxe.Props.Get("bootloader-type"));
        var item = pxe.Versions[^1].Items.Single();
        Assert.Equal("archive.tar.xz", item.Props.Get("ftype"));
        Assert.Equal("syslinux", item.Props.Get("src_package"));
        Assert.Equal("pxe", item.Props.Get("bootloader-type")); // inherited from the product
    }

    [RealFixtureFact]
    public async Task Cloud_images_manifest_inherits_version_level_label_and_is_not_a_maas_image_content()
    {
        using var temp = new TempStream();
        temp.Write("streams/v1/index.json", """
            {"format": "index:1.0", "updated": "Tue, 16 May 2017 12:00:00 +0000", "index": {
              "com.ubuntu.cloud:released:download": {"format": "products:1.0", "datatype": "image-downloads",
                "path": "streams/v1/com.ubuntu.cloud:released:download.json", "products": ["com.ubuntu.cloud:server:16.04:amd64"]}}}
            """);
        temp.Write("streams/v1/com.ubuntu.cloud:released:download.json", File.ReadAllText(Path.Combine(RepoPaths.RealFixtures, "good_manifest.json")));
        var stream = await StreamClient.OpenAsync(StreamSource.Resolve(null, temp.Root), true, CancellationToken.None);
        var content = Assert.Single(stream.Contents);
        Assert.Equal(MaasContentKind.Unknown, content.Kind);

        var catalog = await StreamClient.ReadCatalogAsync(stream, content, CancellationToken.None);
        var version = catalog.Products.Single().Versions.Single();
        var disk = version.Items.Single(i => i.Name == "disk1.img");
        Assert.NotNull(version.Props.GetOwn("label"));
        Assert.Equal(version.Props.GetOwn("label"), disk.Props.Get("label"));
        Assert.Equal("xenial", disk.Props.Get("release"));
        Assert.Equal(287440896, disk.Size);
    }
}
