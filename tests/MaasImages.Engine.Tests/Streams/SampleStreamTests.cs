using MaasImages.Engine.Streams;
using MaasImages.Engine.Tests.Support;
using MaasImages.TestServer;

namespace MaasImages.Engine.Tests.Streams;

/// <summary>The committed sample stream, read the three ways a user can point at it.</summary>
public sealed class SampleStreamTests
{
    private static async Task<List<MaasImageVersion>> ListAsync(MaasStream stream, ImageQuery? query = null)
    {
        var all = new List<MaasImageVersion>();
        foreach (var content in stream.Contents.Where(c => c.Kind == MaasContentKind.Images))
            all.AddRange(await StreamClient.GetImageVersionsAsync(stream, content, query ?? new ImageQuery(), CancellationToken.None));
        return all;
    }

    private static void AssertSampleShape(MaasStream stream, List<MaasImageVersion> images)
    {
        Assert.Equal("stable", stream.Name);
        Assert.Equal(3, stream.Contents.Count);
        Assert.Equal(16, stream.ProductCount);
        Assert.Equal(22, images.Count); // 9 Ubuntu + 2 CentOS products, 2 versions each
        Assert.Equal(18, images.Count(i => i.Os == "ubuntu"));
        Assert.Equal(["jammy", "noble"], images.Where(i => i.Os == "ubuntu").Select(i => i.Release).Distinct().Order());
        Assert.Equal(["amd64", "arm64"], images.Where(i => i.Os == "ubuntu").Select(i => i.Arch).Distinct().Order());
        Assert.All(images, i => Assert.All(i.Files, f => Assert.Equal(new Uri(stream.Uri, string.Join('/', f.Path.Split('/').Select(Uri.EscapeDataString))), f.Uri)));
    }

    [Fact]
    public async Task Reads_the_sample_stream_from_a_folder()
    {
        var stream = await StreamClient.OpenAsync(StreamSource.Resolve(null, RepoPaths.SampleStream), SampleKeyring.Options, CancellationToken.None);
        AssertSampleShape(stream, await ListAsync(stream));
        Assert.Equal("streams/v1/index.sjson", stream.IndexPath); // the signed form first, like MAAS
        Assert.Equal(StreamSignatureStatus.Verified, stream.SignatureStatus);
    }

    [Fact]
    public async Task Reads_the_sample_stream_from_a_file_url_naming_the_index()
    {
        var url = new Uri(Path.Combine(RepoPaths.SampleStream, "streams", "v1", "index.json")).AbsoluteUri;
        var stream = await StreamClient.OpenAsync(StreamSource.Resolve(null, url), SampleKeyring.Options, CancellationToken.None);
        AssertSampleShape(stream, await ListAsync(stream));
        Assert.Equal(new Uri(RepoPaths.SampleStream + "/"), stream.Uri);
        Assert.True(stream.Verified); // through index.json.gpg, the detached form
    }

    [Fact]
    public async Task Reads_the_sample_stream_over_http_and_as_a_named_stream_under_a_mirror_base()
    {
        await using var server = await StreamServer.StartAsync(Path.GetDirectoryName(RepoPaths.SampleStream)!);
        var byRoot = await StreamClient.OpenAsync(StreamSource.Resolve(null, new Uri(server.BaseUri, "stream/").AbsoluteUri), SampleKeyring.Options, CancellationToken.None);
        AssertSampleShape(byRoot, await ListAsync(byRoot));

        // -Name with -Source: the name is a stream folder under the mirror base (like ephemeral-v3/stable).
        var byName = await StreamClient.OpenAsync(StreamSource.Resolve("stream", server.BaseUri.AbsoluteUri), SampleKeyring.Options, CancellationToken.None);
        Assert.Equal("stream", byName.Name);
        Assert.Equal(byRoot.Uri, byName.Uri);
        Assert.Contains(server.Requests, r => r.Path.Contains("com.ubuntu.maas:stable:v3:download.sjson", StringComparison.Ordinal)); // signed forms, verified
    }

    [Fact]
    public async Task Squashfs_is_one_file_shared_by_every_kernel_of_a_release_arch_version()
    {
        var stream = await StreamClient.OpenAsync(StreamSource.Resolve(null, RepoPaths.SampleStream), SampleKeyring.Options, CancellationToken.None);
        var jammy = await ListAsync(stream, new ImageQuery { Release = ["jammy"], Arch = ["amd64"], VersionName = ["20250718"] });

        Assert.Equal(3, jammy.Count); // ga, ga-lowlatency, hwe
        var squashfs = jammy.Select(i => i.Files.Single(f => f.Name == "squashfs")).ToList();
        Assert.Single(squashfs.Select(f => (f.Path, f.Sha256)).Distinct());
    }

    [Fact]
    public async Task Inheritance_works_whether_support_eol_sits_on_the_product_or_the_version()
    {
        var stream = await StreamClient.OpenAsync(StreamSource.Resolve(null, RepoPaths.SampleStream), SampleKeyring.Options, CancellationToken.None);
        var images = await ListAsync(stream, new ImageQuery { Os = ["ubuntu"] });
        Assert.All(images.Where(i => i.Release == "jammy"), i => Assert.Equal(new DateTime(2027, 4, 21), i.SupportEol));
        Assert.All(images.Where(i => i.Release == "noble"), i => Assert.Equal(new DateTime(2029, 5, 31), i.SupportEol));
    }

    [Theory]
    [InlineData(new[] { "release=jammy" }, 10)]
    [InlineData(new[] { "release!=jammy" }, 12)]
    [InlineData(new[] { "subarch~^hwe-" }, 8)]
    [InlineData(new[] { "kflavor!~generic" }, 6)] // lowlatency (2) and CentOS, which has no kflavor (4)
    [InlineData(new[] { "arch=arm64", "release~noble" }, 4)]
    [InlineData(new[] { "nosuchkey=" }, 22)] // a missing key compares as the empty string
    [InlineData(new[] { "nosuchkey=x" }, 0)]
    public async Task Filter_language_selects_versions(string[] filters, int expected)
    {
        var stream = await StreamClient.OpenAsync(StreamSource.Resolve(null, RepoPaths.SampleStream), SampleKeyring.Options, CancellationToken.None);
        var images = await ListAsync(stream, new ImageQuery { Filters = filters.Select(FilterExpression.Parse).ToArray() });
        Assert.Equal(expected, images.Count);
    }

    [Fact]
    public async Task Item_level_filters_keep_only_matching_files()
    {
        var stream = await StreamClient.OpenAsync(StreamSource.Resolve(null, RepoPaths.SampleStream), SampleKeyring.Options, CancellationToken.None);
        var images = await ListAsync(stream, new ImageQuery { Filters = [FilterExpression.Parse("ftype~^boot-")] });
        Assert.Equal(18, images.Count); // CentOS has no boot-* items
        Assert.All(images, i => Assert.Equal(["boot-initrd", "boot-kernel"], i.Files.Select(f => f.Name)));
    }

    [Fact]
    public async Task Typed_criteria_take_wildcards_and_several_values()
    {
        var stream = await StreamClient.OpenAsync(StreamSource.Resolve(null, RepoPaths.SampleStream), SampleKeyring.Options, CancellationToken.None);
        var images = await ListAsync(stream, new ImageQuery { Release = ["2?.04"], Arch = ["AMD64", "arm*"], Subarch = ["ga-*"], Kflavor = ["generic"], MaxVersions = 1 });
        Assert.Equal(4, images.Count);
        Assert.All(images, i => Assert.Equal("20250718", i.VersionName));
    }
}
