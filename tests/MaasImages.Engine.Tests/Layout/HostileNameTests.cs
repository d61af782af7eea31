using System.Text.Json.Nodes;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Layout;
using MaasImages.Engine.Layout.Bootloaders;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Tests.Support;
using MaasImages.Engine.Transfer;

namespace MaasImages.Engine.Tests.Layout;

/// <summary>The sample stream, copied once for the hostile-name table: each case rewrites one products document.</summary>
public sealed class HostileStreamFixture : IDisposable
{
    public TempStream Stream { get; } = TempStream.OfSample();
    public string ImagesDocument { get; }
    public string BootloadersDocument { get; }

    public HostileStreamFixture()
    {
        ImagesDocument = Stream.Read(TempStream.V3Products);
        BootloadersDocument = Stream.Read(TempStream.BootloaderProducts);
    }

    public void Dispose() => Stream.Dispose();
}

/// <summary>
/// Every products-document value that becomes a folder or file name, fed every hostile value,
/// through Save-MaasImage (rack and mirror) and Install-MaasBootloader -All: UnsafePath naming
/// document, product and property, and not one byte changed under the scratch root (which holds
/// the destination, deep enough that '../../..' would still land inside it, and a folder beside it).
/// </summary>
public sealed class HostileNameTests(HostileStreamFixture fixture) : IClassFixture<HostileStreamFixture>
{
    private const string ImageProduct = "com.ubuntu.maas.stable:v3:boot:22.04:amd64:ga-22.04";
    private const string BootloaderProduct = "com.ubuntu.maas.stable:1:pxelinux:pxe:i386";

    /// <summary>Climbing, absolute, nested, empty, dot names, NUL and other control characters, what Windows trims, a drive.</summary>
    private static readonly string[] HostileValues =
        ["../../..", "/etc", "a/b", "a\\b", "", ".", "..", "a\0b", "a\nb", "a\u001fb", "a\u007f", "a.", "a ", "C:x", "..\\..\\x"];

    private static readonly string[] ImageProperties =
        ["os", "arch", "subarch", "kflavor", "release", "label", "subarches", "version_name", "product name", "item name", "ftype", "release of an item"];

    private static readonly string[] BootloaderProperties =
        ["os", "arch", "label", "bootloader-type", "version_name", "product name", "item name", "ftype"];

    public static IEnumerable<object[]> Cases()
    {
        // The value goes by index: test names must not carry NUL or control characters.
        foreach (var layout in new[] { SaveLayout.Rack, SaveLayout.Mirror })
        {
            foreach (var property in ImageProperties)
                for (int i = 0; i < HostileValues.Length; i++) yield return ["images", property, i, layout];
            foreach (var property in BootloaderProperties)
                for (int i = 0; i < HostileValues.Length; i++) yield return ["bootloaders", property, i, layout];
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Hostile_value_is_UnsafePath_and_nothing_under_the_scratch_root_changes(string kind, string property, int valueIndex, SaveLayout layout)
    {
        var value = HostileValues[valueIndex];
        var images = kind == "images";
        var documentPath = images ? TempStream.V3Products : TempStream.BootloaderProducts;
        var productName = images ? ImageProduct : BootloaderProduct;
        var document = JsonNode.Parse(images ? fixture.ImagesDocument : fixture.BootloadersDocument)!.AsObject();
        MakeHostile(document, productName, property, value);
        fixture.Stream.Write(documentPath, document.ToJsonString());

        using var scratch = new TempStream();
        var destination = Path.Combine(scratch.Root, "a", "b", "c", "boot-resources");
        scratch.Write("a/b/c/boot-resources/keep.txt", "already here");
        scratch.Write("outside/keep.txt", "not ours");
        scratch.Write("a/b/c/i386/keep.txt", "beside the destination");
        var before = TreeFingerprint.Of(scratch.Root);

        var stream = await StreamClient.OpenAsync(StreamSource.Resolve(null, fixture.Stream.Root), true, CancellationToken.None);
        var content = stream.Contents.Single(c => c.Path == documentPath);
        var versions = await StreamClient.GetImageVersionsAsync(stream, content, new ImageQuery(), CancellationToken.None);
        var options = new SaveOptions { Destination = destination, Layout = layout, LockTimeout = TimeSpan.FromSeconds(20) };
        var errors = new List<UnsafePathException>();
        if (images)
        {
            errors.Add(Assert.Throws<UnsafePathException>(() => ImageSaver.Plan(versions, options)));
            errors.Add(await Assert.ThrowsAsync<UnsafePathException>(() => ImageSaver.SaveAsync(versions, options, new RecordingObserver(), CancellationToken.None)));
        }
        else
        {
            errors.Add(await Assert.ThrowsAsync<UnsafePathException>(() =>
                BootloaderInstaller.SelectAsync(stream, new BootloaderQuery { All = true }, _ => { }, CancellationToken.None)));
            errors.Add(Assert.Throws<UnsafePathException>(() => BootloaderInstaller.Plan(versions, options)));
            errors.Add(await Assert.ThrowsAsync<UnsafePathException>(() => BootloaderInstaller.InstallAsync(versions, options, new RecordingObserver(), CancellationToken.None)));
        }

        foreach (var error in errors)
        {
            Assert.Equal("UnsafePath", error.ErrorId);
            Assert.Equal(value, error.Target);
            Assert.Contains($"'{documentPath}'", error.Message, StringComparison.Ordinal);
            Assert.Contains(PropertyLabel(property), error.Message, StringComparison.Ordinal);
            if (property != "product name") Assert.Contains($"product '{productName}'", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain('\0', error.Message); // control characters are shown escaped
        }
        TreeFingerprint.AssertSame(before, TreeFingerprint.Of(scratch.Root), "the scratch root");
    }

    [Fact]
    public async Task Rack_layout_refuses_an_image_without_os_whose_folder_would_start_at_the_file_system_root()
    {
        var document = JsonNode.Parse(fixture.ImagesDocument)!.AsObject();
        document["products"]![ImageProduct]!.AsObject().Remove("os");
        fixture.Stream.Write(TempStream.V3Products, document.ToJsonString());
        using var scratch = new TempStream();
        var stream = await StreamClient.OpenAsync(StreamSource.Resolve(null, fixture.Stream.Root), true, CancellationToken.None);
        var versions = await StreamClient.GetImageVersionsAsync(stream, stream.Contents.Single(c => c.Path == TempStream.V3Products), new ImageQuery(), CancellationToken.None);
        var options = new SaveOptions { Destination = Path.Combine(scratch.Root, "boot-resources") };

        var error = Assert.Throws<UnsafePathException>(() => ImageSaver.Plan(versions, options));
        Assert.Contains($"os '' of product '{ImageProduct}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("it is missing", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(scratch.Root));
        // A mirror does not make folders of it: the same selection plans there.
        Assert.True(ImageSaver.Plan(versions, new SaveOptions { Destination = options.Destination, Layout = SaveLayout.Mirror }).Files > 0);
    }

    private static string PropertyLabel(string property) => property switch
    {
        "product name" => "the product name",
        "item name" => "the item name",
        "ftype" => "ftype of item",
        "subarches" => "an entry of subarches '",
        "release of an item" => "release (item '",
        _ => $"{property} '",
    };

    /// <summary>Puts <paramref name="value"/> where <paramref name="property"/> lives: a key (product, version, item name) or a property.</summary>
    private static void MakeHostile(JsonObject document, string productName, string property, string value)
    {
        var products = document["products"]!.AsObject();
        var product = products[productName]!.AsObject();
        var versions = product["versions"]!.AsObject();
        var version = versions.First().Value!.AsObject();
        var items = version["items"]!.AsObject();
        switch (property)
        {
            case "product name": Rename(products, productName, value); break;
            case "version_name": Rename(versions, versions.First().Key, value); break;
            case "item name": Rename(items, items.First().Key, value); break;
            case "ftype": items.First().Value!["ftype"] = value; break;
            case "release of an item": items.First().Value!["release"] = value; break;
            case "subarches": product[property] = "generic," + value + ",ga-22.04"; break;
            default: product[property] = value; break;
        }
    }

    private static void Rename(JsonObject parent, string from, string to)
    {
        var node = parent[from];
        parent.Remove(from);
        parent[to] = node;
    }
}
