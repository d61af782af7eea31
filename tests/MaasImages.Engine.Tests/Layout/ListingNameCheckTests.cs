using System.Text.Json.Nodes;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Layout;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Tests.Support;

namespace MaasImages.Engine.Tests.Layout;

/// <summary>
/// A listing keeps a version exactly when saving it would not be refused: KeepSafe reads the
/// names straight from the document (each product's values checked once) and must agree with
/// EnsureSafe, which builds every version's properties and files, on every case of inheritance.
/// </summary>
public sealed class ListingNameCheckTests
{
    private const string Product = "com.ubuntu.maas.stable:v3:boot:22.04:amd64:ga-22.04";

    private static IEnumerable<JsonObject> Versions(JsonObject product) => product["versions"]!.AsObject().Select(v => v.Value!.AsObject());

    private static JsonObject FirstItem(JsonObject product) => Versions(product).First()["items"]!.AsObject().First().Value!.AsObject();

    private static void Rename(JsonObject parent, string from, string to)
    {
        var node = parent[from];
        parent.Remove(from);
        parent[to] = node;
    }

    /// <summary>Each case changes the sample document; the name says what the listing should do.</summary>
    private static readonly Dictionary<string, Action<JsonObject, JsonObject>> Cases = new()
    {
        ["product os unsafe: its versions refused"] = (_, p) => p["os"] = "../x",
        ["product os unsafe but every version sets its own: kept"] = (_, p) =>
        {
            p["os"] = "../x";
            foreach (var v in Versions(p)) v["os"] = "ubuntu";
        },
        ["one version's own os unsafe: that version refused"] = (_, p) => Versions(p).First()["os"] = "..",
        ["version sets a non-scalar os: the product's unsafe one still counts"] = (_, p) =>
        {
            p["os"] = "a/b";
            foreach (var v in Versions(p)) v["os"] = new JsonObject();
        },
        ["top-level arch unsafe, every product sets its own: kept"] = (d, _) => d["arch"] = "a/b",
        ["top-level kernel_snap unsafe, inherited by all: all refused"] = (d, _) => d["kernel_snap"] = "a\nb",
        ["an item's own release unsafe"] = (_, p) => FirstItem(p)["release"] = "..",
        ["an item's ftype unsafe"] = (_, p) => FirstItem(p)["ftype"] = "a/b",
        ["an item's name unsafe"] = (_, p) => Rename(Versions(p).First()["items"]!.AsObject(), "boot-kernel", "a."),
        ["a subarches entry of the product unsafe"] = (_, p) => p["subarches"] = "generic,..,ga-22.04",
        ["a version's own subarches over an unsafe product's: kept"] = (_, p) =>
        {
            p["subarches"] = "generic,a/b";
            foreach (var v in Versions(p)) v["subarches"] = "generic,ga-22.04";
        },
        ["a number and a bool as names: kept"] = (_, p) =>
        {
            p["label"] = 5;
            Versions(p).First()["kflavor"] = true;
        },
        ["a version name unsafe"] = (_, p) => Rename(p["versions"]!.AsObject(), p["versions"]!.AsObject().First().Key, "C:x"),
        ["a product name unsafe"] = (d, _) => Rename(d["products"]!.AsObject(), Product, "a\\b"),
    };

    public static TheoryData<string> CaseNames() => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task KeepSafe_keeps_exactly_the_versions_EnsureSafe_accepts(string name)
    {
        using var temp = TempStream.OfSample();
        var document = JsonNode.Parse(temp.Read(TempStream.V3Products))!.AsObject();
        Cases[name](document, document["products"]![Product]!.AsObject());
        temp.Write(TempStream.V3Products, document.ToJsonString());

        var stream = await StreamClient.OpenAsync(StreamSource.Resolve(null, temp.Root), true, CancellationToken.None);
        var content = stream.Contents.Single(c => c.Path == TempStream.V3Products);
        var versions = await StreamClient.GetImageVersionsAsync(stream, content, new ImageQuery(), CancellationToken.None);
        // Fresh copies for the reference, so the listing's check never sees versions whose Properties and Files were built.
        var reference = await StreamClient.GetImageVersionsAsync(stream, content, new ImageQuery(), CancellationToken.None);
        var accepted = reference.Where(v =>
        {
            try
            {
                LayoutNames.EnsureSafe([v], []);
                return true;
            }
            catch (UnsafePathException)
            {
                return false;
            }
        }).Select(v => v.ToString()).ToList();

        var refused = new List<MaasImagesException>();
        var kept = LayoutNames.KeepSafe(versions, refused.Add).Select(v => v.ToString()).ToList();
        Assert.Equal(accepted, kept);
        Assert.All(refused, e => Assert.Equal("UnsafePath", e.ErrorId));
        Assert.Equal(kept.Count < versions.Count, refused.Count > 0);
        if (name.Contains("kept", StringComparison.Ordinal)) Assert.Equal(versions.Count, kept.Count);
        else Assert.True(kept.Count < versions.Count, "the case should refuse something");
    }
}
