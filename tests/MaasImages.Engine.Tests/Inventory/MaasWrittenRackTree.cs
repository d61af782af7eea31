using System.Text.Json.Nodes;
using MaasImages.Engine.Platform;
using MaasImages.Engine.Tests.Layout;
using MaasImages.Engine.Tests.Support;

namespace MaasImages.Engine.Tests.Inventory;

/// <summary>
/// A boot-resources tree laid out by MAAS's own rules, written here apart from the product code:
/// for the newest version of each selected product, every kernel/initrd/squashfs/root-tgz item goes
/// to cache/&lt;sha256&gt; and is hard-linked into &lt;os&gt;/&lt;arch&gt;/&lt;subarch&gt;/&lt;release&gt;/&lt;label&gt;/
/// (a non-generic flavour folded into the subarch; ga-&lt;version&gt;/hwe-&lt;letter&gt; generic kernels
/// also under generic/), maas.meta from <see cref="MaasMetaReference"/>, and current a relative link
/// to snapshot-YYYYmmdd-HHMMSS. No record of this module's anywhere. File contents are small
/// stand-ins: MAAS names the cache file after the sha256 the stream gives.
/// </summary>
internal static class MaasWrittenRackTree
{
    private static readonly HashSet<string> Served = ["boot-kernel", "boot-initrd", "squashfs", "root-tgz"];

    public const string Snapshot = "snapshot-20250724-101530";

    /// <summary>A products document of the real upstream samples (tests that use it are RealFixtureFacts).</summary>
    public static JsonObject RealDocument(string name) => JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.RealFixtures, name)))!.AsObject();

    /// <summary>The tree MAAS writes from the real CentOS and Ubuntu samples, every product of both.</summary>
    public static Dictionary<string, (string Version, string Folder, Dictionary<string, string> Files)> WriteFromRealFixtures(string root) =>
        Write(root, [RealDocument("simplestreams_centos.json"), RealDocument("simplestreams_ubuntu.3182e1bf.json")], _ => true);

    /// <summary>Writes the tree under <paramref name="root"/>; returns per product (version, own folder, item sha256 by file name).</summary>
    public static Dictionary<string, (string Version, string Folder, Dictionary<string, string> Files)> Write(string root, IReadOnlyList<JsonObject> documents,
        Func<string, bool> selected)
    {
        var snapshot = Path.Combine(root, Snapshot);
        var cache = Path.Combine(root, "cache");
        Directory.CreateDirectory(snapshot);
        Directory.CreateDirectory(cache);
        var written = new Dictionary<string, (string, string, Dictionary<string, string>)>();
        foreach (var document in documents)
        {
            foreach (var (productName, node) in document["products"]!.AsObject())
            {
                if (!selected(productName)) continue;
                var product = node!.AsObject();
                var versionName = product["versions"]!.AsObject().Select(v => v.Key).Max(StringComparer.Ordinal)!;
                var os = (string?)product["os"] ?? "ubuntu";
                var release = (string)product["release"]!;
                var subarch = (string?)product["subarch"] ?? "generic";
                var kflavor = (string?)product["kflavor"] ?? "generic";
                var own = kflavor == "generic" ? subarch : $"{subarch}-{kflavor}";
                var folders = new List<string> { own };
                if (kflavor == "generic" && (subarch == "ga-" + (string?)product["version"] || subarch == "hwe-" + release[0])) folders.Add("generic");
                var files = new Dictionary<string, string>();
                foreach (var (_, itemNode) in product["versions"]![versionName]!["items"]!.AsObject())
                {
                    var item = itemNode!.AsObject();
                    if (!Served.Contains((string)item["ftype"]!)) continue;
                    var sha256 = (string)item["sha256"]!;
                    var name = Path.GetFileName((string)item["path"]!);
                    var cached = Path.Combine(cache, sha256);
                    if (!File.Exists(cached)) File.WriteAllText(cached, $"stand-in for {sha256}");
                    files[name] = sha256;
                    foreach (var folder in folders)
                    {
                        var dir = Path.Combine(snapshot, os, (string)product["arch"]!, folder, release, (string)product["label"]!);
                        Directory.CreateDirectory(dir);
                        Assert.True(NativeFileSystem.TryCreateHardLink(cached, Path.Combine(dir, name)));
                    }
                }
                written[productName] = (versionName, string.Join('/', os, (string)product["arch"]!, own, release, (string)product["label"]!), files);
            }
        }
        File.WriteAllText(Path.Combine(snapshot, "maas.meta"), MaasMetaReference.Build(documents, selected));
        File.CreateSymbolicLink(Path.Combine(root, "current"), Snapshot);
        return written;
    }
}
