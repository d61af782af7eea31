using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MaasImages.Engine.Layout;
using MaasImages.Engine.Layout.Bootloaders;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Tests.Support;

namespace MaasImages.Engine.Tests.Layout;

/// <summary>
/// Golden tests on the real (cut-down) images.maas.io products documents: the maas.meta a save
/// plans for a selection equals, byte for byte, the one <see cref="MaasMetaReference"/> derives
/// from the raw JSON. The files themselves are not fetched (they are gigabytes upstream).
/// </summary>
public sealed class MaasMetaRealFixtureTests : IDisposable
{
    private readonly TempStream _destination = new();

    public void Dispose() => _destination.Dispose();

    private static string Fixture(string name) => Path.Combine(RepoPaths.RealFixtures, name);

    private static JsonObject Document(string fixture) => JsonNode.Parse(File.ReadAllText(Fixture(fixture)))!.AsObject();

    /// <summary>The real index and products documents laid out as a stream (ubuntu from <paramref name="ubuntuFixture"/>).</summary>
    private static async Task<MaasStream> Open(TempStream temp, string ubuntuFixture)
    {
        temp.Write(TempStream.Index, File.ReadAllText(Fixture("simplestreams_index.json")));
        temp.Write(TempStream.V3Products, File.ReadAllText(Fixture(ubuntuFixture)));
        temp.Write(TempStream.CentosProducts, File.ReadAllText(Fixture("simplestreams_centos.json")));
        temp.Write(TempStream.BootloaderProducts, File.ReadAllText(Fixture("simplestreams_bootloaders.json")));
        return await StreamClient.OpenAsync(StreamSource.Resolve(null, temp.Root), true, CancellationToken.None); // upstream samples are unsigned copies
    }

    private static async Task<List<MaasImageVersion>> Images(MaasStream stream, ImageQuery query)
    {
        var all = new List<MaasImageVersion>();
        foreach (var content in stream.Contents.Where(c => c.Kind == MaasContentKind.Images))
            all.AddRange(await StreamClient.GetImageVersionsAsync(stream, content, query, CancellationToken.None));
        return all;
    }

    private SaveOptions Options => new() { Destination = _destination.Root };

    private string PlannedImageMeta(IReadOnlyList<MaasImageVersion> images) => Encoding.ASCII.GetString(new RackLayout(images, Options).PlannedMeta);

    /// <summary>Selections of the ubuntu and centos fixtures, each checked against the reference.</summary>
    public static TheoryData<string, string[], string[]> ImageSelections => new()
    {
        { "simplestreams_ubuntu.json", [], [] },
        { "simplestreams_ubuntu.json", ["jammy"], ["amd64"] },
        { "simplestreams_ubuntu.json", ["noble"], [] },
        { "simplestreams_ubuntu.json", [], ["arm64"] },
        { "simplestreams_ubuntu.3182e1bf.json", [], [] }, // ga-22.04 and hwe-22.04 for jammy/amd64 share their alias keys
        { "simplestreams_ubuntu.3182e1bf.json", ["jammy"], [] },
        { "simplestreams_ubuntu.3182e1bf.json", ["centos70"], [] },
    };

    [RealFixtureTheory]
    [MemberData(nameof(ImageSelections))]
    public async Task Image_maas_meta_equals_the_reference_byte_for_byte(string ubuntuFixture, string[] releases, string[] arches)
    {
        using var temp = new TempStream();
        var stream = await Open(temp, ubuntuFixture);
        var images = await Images(stream, new ImageQuery { Release = releases, Arch = arches, MaxVersions = 1 });
        Assert.NotEmpty(images);
        var names = images.Select(i => i.ProductName).ToHashSet(StringComparer.Ordinal);
        // index order of the real index: bootloaders, centos, then v3 (content ids sorted there too)
        var expected = MaasMetaReference.Build([Document("simplestreams_centos.json"), Document(ubuntuFixture)], names.Contains);
        Assert.Equal(expected, PlannedImageMeta(images));
    }

    [RealFixtureFact]
    public async Task Bootloader_maas_meta_equals_the_reference_byte_for_byte()
    {
        using var temp = new TempStream();
        var stream = await Open(temp, "simplestreams_ubuntu.json");
        foreach (var query in new[] { new BootloaderQuery(), new BootloaderQuery { Types = ["uefi"] }, new BootloaderQuery { All = true, Arches = ["amd64"] } })
        {
            var bootloaders = await BootloaderInstaller.SelectAsync(stream, query, _ => { }, CancellationToken.None);
            var names = bootloaders.Select(b => b.ProductName).ToHashSet(StringComparer.Ordinal);
            var planned = Encoding.ASCII.GetString(new BootloaderRackLayout(bootloaders, Options, ArchiveLimits.Default).PlannedMeta);
            Assert.Equal(MaasMetaReference.Build([Document("simplestreams_bootloaders.json")], names.Contains), planned);
        }
    }

    [RealFixtureFact]
    public async Task Item_order_is_document_order_first_item_for_aliases_last_item_for_the_own_subarch()
    {
        // What simplestreams hands MAAS: items in document order (boot-initrd, boot-kernel, manifest,
        // squashfs upstream). setdefault keeps the first for the alias keys, set keeps the last.
        using var temp = new TempStream();
        var stream = await Open(temp, "simplestreams_ubuntu.3182e1bf.json");
        var images = await Images(stream, new ImageQuery { Release = ["jammy"], Arch = ["amd64"], MaxVersions = 1 });
        using var meta = JsonDocument.Parse(PlannedImageMeta(images));
        var amd64 = meta.RootElement.GetProperty("ubuntu").GetProperty("amd64");
        string Entry(string subarch, string field) => amd64.GetProperty(subarch).GetProperty("generic").GetProperty("jammy").GetProperty("stable").GetProperty(field).GetString()!;

        Assert.Equal("jammy/amd64/20250718/squashfs", Entry("ga-22.04", "path"));
        Assert.Equal("jammy/amd64/20250718/squashfs", Entry("generic", "path")); // ga-22.04 sets generic too
        Assert.EndsWith(":ga-22.04", Entry("generic", "product_name"), StringComparison.Ordinal);
        Assert.Equal("jammy/amd64/20250718/ga-22.04/generic/boot-initrd", Entry("hwe-p", "path"));
        Assert.EndsWith(":ga-22.04", Entry("hwe-p", "product_name"), StringComparison.Ordinal); // first product in the document wins an alias
        Assert.EndsWith(":hwe-22.04", Entry("hwe-22.04", "product_name"), StringComparison.Ordinal);
        // 22 aliases of ga-22.04 (ga-22.04 and generic among them) plus hwe-22.04's own subarch
        Assert.Equal(23, amd64.EnumerateObject().Count());

        // centos: manifest then root-tgz; the own subarch is generic, so the last item wins it.
        var centos = await Images(stream, new ImageQuery { Os = ["centos"], MaxVersions = 1 });
        using var centosMeta = JsonDocument.Parse(PlannedImageMeta(centos));
        Assert.EndsWith("/root-tgz", centosMeta.RootElement.GetProperty("centos").GetProperty("amd64").GetProperty("generic").GetProperty("generic")
            .GetProperty("centos70").GetProperty("stable").GetProperty("path").GetString(), StringComparison.Ordinal);
        // no kflavor in the stream, none in the entry (MAAS keeps only what is there)
        Assert.False(centosMeta.RootElement.GetProperty("centos").GetProperty("amd64").GetProperty("generic").GetProperty("generic")
            .GetProperty("centos70").GetProperty("stable").TryGetProperty("kflavor", out _));
    }
}
