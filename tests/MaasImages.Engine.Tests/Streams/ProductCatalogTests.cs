using MaasImages.Engine.Streams;
using MaasImages.Engine.Tests.Support;

namespace MaasImages.Engine.Tests.Streams;

public sealed class ProductCatalogTests
{
    [Fact]
    public async Task Versions_sort_as_ordinal_strings_newest_last_and_lower_levels_win()
    {
        using var temp = new TempStream();
        temp.Write("streams/v1/index.json", """
            {"format": "index:1.0", "index": {"com.ubuntu.maas:test:v3:download": {"format": "products:1.0", "path": "streams/v1/p.json", "products": ["p"]}}}
            """);
        temp.Write("streams/v1/p.json", """
            {"format": "products:1.0", "content_id": "com.ubuntu.maas:test:v3:download", "os": "ubuntu", "arch": "top",
             "products": {"p": {"arch": "amd64", "release": "jammy", "versions": {
               "20240604_01": {"items": {"k": {"ftype": "boot-kernel", "path": "a/k1", "sha256": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "size": 1}}},
               "20231004.0": {"arch": "arm64", "items": {"k": {"ftype": "boot-kernel", "path": "a/k2", "sha256": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "size": 2, "arch": "item"}}},
               "20250718": {"items": {"k": {"ftype": "boot-kernel", "path": "a/k3", "sha256": "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc", "size": 3}}},
               "20240604": {"items": {}}}}}}
            """);
        var stream = await StreamClient.OpenAsync(StreamSource.Resolve(null, temp.Root), true, CancellationToken.None);
        var images = await StreamClient.GetImageVersionsAsync(stream, stream.Contents.Single(), new ImageQuery(), CancellationToken.None);

        // "20240604" has no items, so it is not an image; the others sort ordinally.
        Assert.Equal(["20231004.0", "20240604_01", "20250718"], images.Select(i => i.VersionName));
        Assert.Equal(["arm64", "amd64", "amd64"], images.Select(i => i.Arch));     // version beats product
        Assert.Equal("item", images[0].Files[0].Properties["arch"]);              // the item's own value
        Assert.Equal("ubuntu", images[0].Os);                                     // from the top level
        Assert.Equal(new string('a', 64), images[1].Files[0].Sha256);              // normalised to lower case
        Assert.True(images[2].IsLatest);
        Assert.False(images[1].IsLatest);
    }
}
