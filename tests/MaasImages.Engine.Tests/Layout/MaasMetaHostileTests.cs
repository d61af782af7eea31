using System.Text;
using MaasImages.Engine.Layout;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Tests.Support;

namespace MaasImages.Engine.Tests.Layout;

/// <summary>
/// maas.meta for a hostile products document: numbers, booleans, names overridden by lower levels,
/// a space in subarches, "generic" only as a substring, non-ASCII, DEL, an astral character and
/// escapes. The expected text is what MAAS 3.4's own code (download_descriptions.py RepoDumper with
/// simplestreams' BasicMirrorWriter, boot_image_mapping.py dump_json, tag 3.4.10) printed for this
/// very document.
/// </summary>
public sealed class MaasMetaHostileTests : IDisposable
{
    private const string Products = """
        {
          "content_id": "com.example:stable:v3:download",
          "datatype": "image-ids",
          "format": "products:1.0",
          "updated": "Thu, 24 Jul 2025 09:01:43 +0000",
          "products": {
            "com.example.stable:v3:boot:22.04:amd64:hwe-j": {
              "arch": "amd64", "os": "ubuntu", "release": "jammy", "version": "22.04", "label": "stable",
              "subarch": "hwe-j", "subarches": "generic-lpae, hwe-j", "kflavor": "generic",
              "release_title": 22.04, "support_eol": 20270421, "os_title": true,
              "release_codename": "J\u00e4mmy \u007f \ud83d\ude00 \"q\" \\ \t\u0001",
              "versions": {
                "20240101": { "items": { "boot-kernel": { "ftype": "boot-kernel", "path": "old/boot-kernel", "sha256": "1111111111111111111111111111111111111111111111111111111111111111", "size": 1 } } },
                "20250101": {
                  "gadget_title": 1e16,
                  "items": {
                    "squashfs": { "ftype": "squashfs", "path": "new/squashfs", "sha256": "2222222222222222222222222222222222222222222222222222222222222222", "size": 2, "support_eol": -0 },
                    "boot-kernel": { "ftype": "boot-kernel", "path": "new/hwe-j/boot-kernel", "sha256": "3333333333333333333333333333333333333333333333333333333333333333", "size": 3, "support_eol": 0.00001 }
                  }
                }
              }
            },
            "com.example.stable:v3:boot:22.04:amd64:ga-22.04": {
              "arch": "amd64", "os": "ubuntu", "release": "jammy", "version": "22.04", "label": "stable",
              "subarch": "ga-22.04", "subarches": "hwe-j,ga-22.04", "kflavor": 7, "os_title": false,
              "support_eol": 1e400, "release_title": -0.0, "gadget_title": 12345678901234567890,
              "versions": {
                "20250101": { "product_name": "renamed by the version", "items": {
                    "boot-kernel": { "ftype": "boot-kernel", "path": "new/ga/boot-kernel", "sha256": "4444444444444444444444444444444444444444444444444444444444444444", "size": 4, "version_name": "renamed by the item", "release_title": 1.5e-7 }
                } }
              }
            }
          }
        }
        """;

    private const string Index = """
        {"format": "index:1.0", "updated": "Thu, 24 Jul 2025 09:01:43 +0000", "index": {"com.example:stable:v3:download": {
          "format": "products:1.0", "datatype": "image-ids", "path": "streams/v1/com.example:stable:v3:download.json",
          "products": ["com.example.stable:v3:boot:22.04:amd64:hwe-j", "com.example.stable:v3:boot:22.04:amd64:ga-22.04"]}}}
        """;

    /// <summary>MAAS 3.4's dump_json for <see cref="Products"/>, newest version of both products.</summary>
    private const string MaasOutput = """
        {"ubuntu": {"amd64": {" hwe-j": {"generic": {"jammy": {"stable": {"content_id": "com.example:stable:v3:download", "gadget_title": "1e+16", "kflavor": "generic", "os_title": "True", "path": "new/squashfs", "product_name": "com.example.stable:v3:boot:22.04:amd64:hwe-j", "release_codename": "J\u00e4mmy \u007f \ud83d\ude00 \"q\" \\ \t\u0001", "release_title": "22.04", "subarches": "generic-lpae, hwe-j", "support_eol": "0", "version_name": "20250101"}}}}, "ga-22.04": {"7": {"jammy": {"stable": {"content_id": "com.example:stable:v3:download", "gadget_title": "12345678901234567890", "kflavor": "7", "os_title": "False", "path": "new/ga/boot-kernel", "product_name": "renamed by the version", "release_title": "1.5e-07", "subarches": "hwe-j,ga-22.04", "support_eol": "inf", "version_name": "renamed by the item"}}}}, "generic": {"generic": {"jammy": {"stable": {"content_id": "com.example:stable:v3:download", "gadget_title": "1e+16", "kflavor": "generic", "os_title": "True", "path": "new/hwe-j/boot-kernel", "product_name": "com.example.stable:v3:boot:22.04:amd64:hwe-j", "release_codename": "J\u00e4mmy \u007f \ud83d\ude00 \"q\" \\ \t\u0001", "release_title": "22.04", "subarches": "generic-lpae, hwe-j", "support_eol": "1e-05", "version_name": "20250101"}}}}, "generic-lpae": {"generic": {"jammy": {"stable": {"content_id": "com.example:stable:v3:download", "gadget_title": "1e+16", "kflavor": "generic", "os_title": "True", "path": "new/squashfs", "product_name": "com.example.stable:v3:boot:22.04:amd64:hwe-j", "release_codename": "J\u00e4mmy \u007f \ud83d\ude00 \"q\" \\ \t\u0001", "release_title": "22.04", "subarches": "generic-lpae, hwe-j", "support_eol": "0", "version_name": "20250101"}}}}, "hwe-j": {"7": {"jammy": {"stable": {"content_id": "com.example:stable:v3:download", "gadget_title": "12345678901234567890", "kflavor": "7", "os_title": "False", "path": "new/ga/boot-kernel", "product_name": "renamed by the version", "release_title": "1.5e-07", "subarches": "hwe-j,ga-22.04", "support_eol": "inf", "version_name": "renamed by the item"}}}, "generic": {"jammy": {"stable": {"content_id": "com.example:stable:v3:download", "gadget_title": "1e+16", "kflavor": "generic", "os_title": "True", "path": "new/hwe-j/boot-kernel", "product_name": "com.example.stable:v3:boot:22.04:amd64:hwe-j", "release_codename": "J\u00e4mmy \u007f \ud83d\ude00 \"q\" \\ \t\u0001", "release_title": "22.04", "subarches": "generic-lpae, hwe-j", "support_eol": "1e-05", "version_name": "20250101"}}}}}}}
        """;

    private readonly TempStream _stream = new();
    private readonly TempStream _destination = new();

    public void Dispose()
    {
        _stream.Dispose();
        _destination.Dispose();
    }

    [Fact]
    public async Task Maas_meta_equals_what_maas_own_code_printed_for_the_document()
    {
        _stream.Write(TempStream.Index, Index);
        _stream.Write("streams/v1/com.example:stable:v3:download.json", Products);
        var stream = await StreamClient.OpenAsync(StreamSource.Resolve(null, _stream.Root), true, CancellationToken.None);
        var images = await StreamClient.GetImageVersionsAsync(stream, stream.Contents.Single(), new ImageQuery(), CancellationToken.None);
        var planned = new RackLayout(images, new SaveOptions { Destination = _destination.Root }).PlannedMeta;
        Assert.Equal(MaasOutput, Encoding.ASCII.GetString(planned));
        Assert.All(planned, b => Assert.InRange(b, (byte)0x20, (byte)0x7e));
    }

    [Theory]
    [InlineData(0.1, "0.1")]
    [InlineData(1.0 / 3, "0.3333333333333333")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(123456789012345678.0, "1.2345678901234568e+17")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(1.7976931348623157e308, "1.7976931348623157e+308")]
    [InlineData(100.0, "100.0")]
    [InlineData(-1.5e-7, "-1.5e-07")]
    [InlineData(1e22, "1e+22")]
    [InlineData(0.1 + 0.2, "0.30000000000000004")]
    [InlineData(-0.0, "-0.0")]
    [InlineData(double.PositiveInfinity, "inf")]
    public void Floats_print_as_python_repr_prints_them(double value, string python) =>
        Assert.Equal(python, MaasMetaRules.PythonFloatRepr(value));
}
