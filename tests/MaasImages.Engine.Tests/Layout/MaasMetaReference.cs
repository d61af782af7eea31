using System.Text;
using System.Text.Json.Nodes;

namespace MaasImages.Engine.Tests.Layout;

/// <summary>
/// A second, deliberately naive reading of how MAAS 3.4 builds maas.meta, written apart from the
/// product code and working on the raw JSON: simplestreams walks the products documents in index
/// order, products and items in document order, only the newest version of each product
/// (sorted(versions, reverse=True)[0]); for each item MAAS's RepoDumper.insert_item
/// (download_descriptions.py) setdefaults every subarch of `subarches`, sets the own `subarch`, and
/// sets `generic` for ga-&lt;version&gt;/hwe-&lt;letter&gt; Ubuntu kernels; boot_image_mapping.py dump_json
/// writes json.dumps(sort_keys=True). Only string values occur in the fixtures, so numbers are not handled.
/// </summary>
internal static class MaasMetaReference
{
    private static readonly string[] KeysToKeep =
    [
        "content_id", "product_name", "version_name", "path", "subarches", "release_codename", "release_title",
        "support_eol", "kflavor", "bootloader-type", "os_title", "gadget_title",
    ];

    /// <summary>The maas.meta text for the selected products of <paramref name="documents"/> (in index order), newest version each.</summary>
    public static string Build(IEnumerable<JsonObject> documents, Func<string, bool> selected) =>
        Build(documents, selected, versionOf: null);

    /// <summary>As above, with the version of each product given by <paramref name="versionOf"/> (null: the newest).</summary>
    public static string Build(IEnumerable<JsonObject> documents, Func<string, bool> selected, Func<string, string>? versionOf)
    {
        // The mapping: "os\0arch\0subarch\0kflavor\0release\0label" -> compact item.
        var mapping = new Dictionary<string, Dictionary<string, string>>();
        foreach (var document in documents)
        {
            foreach (var (productName, productNode) in document["products"]!.AsObject())
            {
                if (!selected(productName)) continue;
                var product = productNode!.AsObject();
                var versionNames = product["versions"]!.AsObject().Select(v => v.Key).ToList();
                versionNames.Sort(string.CompareOrdinal);
                var versionName = versionOf?.Invoke(productName) ?? versionNames[^1];
                var version = product["versions"]![versionName]!.AsObject();
                foreach (var (itemName, itemNode) in version["items"]!.AsObject())
                {
                    var item = new Dictionary<string, string>();
                    AddStrings(document, item);
                    AddStrings(product, item);
                    item["product_name"] = productName;
                    AddStrings(version, item);
                    item["version_name"] = versionName;
                    AddStrings(itemNode!.AsObject(), item);
                    item["item_name"] = itemName;
                    InsertItem(mapping, item);
                }
            }
        }
        return Dump(mapping);
    }

    private static void AddStrings(JsonObject level, Dictionary<string, string> into)
    {
        foreach (var (key, value) in level)
            if (value is JsonValue v && v.TryGetValue<string>(out var text)) into[key] = text;
    }

    private static void InsertItem(Dictionary<string, Dictionary<string, string>> mapping, Dictionary<string, string> item)
    {
        string os = item.TryGetValue("os", out var o) ? o : "ubuntu";
        string arch = item["arch"];
        string subarches = item.TryGetValue("subarches", out var s) ? s : "generic";
        string release, kflavor;
        if (item.TryGetValue("bootloader-type", out var bootloaderType))
        {
            release = bootloaderType;
            kflavor = "bootloader";
        }
        else
        {
            release = item["release"];
            kflavor = item.TryGetValue("kflavor", out var k) ? k : "generic";
        }
        string label = item["label"];
        var compact = new Dictionary<string, string>();
        foreach (var key in KeysToKeep)
            if (item.TryGetValue(key, out var value)) compact[key] = value;

        string Key(string subarch) => string.Join("\0", os, arch, subarch, kflavor, release, label);
        foreach (var alias in subarches.Split(','))
            mapping.TryAdd(Key(alias), compact); // setdefault
        string own = item.TryGetValue("subarch", out var sa) ? sa : "generic";
        mapping[Key(own)] = compact; // set
        if (os == "ubuntu" && item.TryGetValue("version", out var osVersion))
        {
            var hweArches = new[] { "ga-" + osVersion, "hwe-" + release[0] };
            if (hweArches.Contains(own) && subarches.Contains("generic")) mapping[Key("generic")] = compact;
        }
    }

    private static string Dump(Dictionary<string, Dictionary<string, string>> mapping)
    {
        // Nest it, then write it sorted like Python's json.dumps(data, sort_keys=True).
        var root = new SortedDictionary<string, object>(StringComparer.Ordinal);
        foreach (var (key, compact) in mapping)
        {
            var parts = key.Split('\0');
            var node = root;
            for (int i = 0; i < 5; i++)
            {
                if (!node.TryGetValue(parts[i], out var child))
                    node[parts[i]] = child = new SortedDictionary<string, object>(StringComparer.Ordinal);
                node = (SortedDictionary<string, object>)child;
            }
            node[parts[5]] = new SortedDictionary<string, object>(compact.ToDictionary(kv => kv.Key, kv => (object)kv.Value), StringComparer.Ordinal);
        }
        var text = new StringBuilder();
        WriteValue(root, text);
        return text.ToString();
    }

    private static void WriteValue(object value, StringBuilder text)
    {
        if (value is string s)
        {
            WriteString(s, text);
            return;
        }
        var map = (SortedDictionary<string, object>)value;
        text.Append('{');
        var first = true;
        foreach (var (key, child) in map)
        {
            if (!first) text.Append(", ");
            first = false;
            WriteString(key, text);
            text.Append(": ");
            WriteValue(child, text);
        }
        text.Append('}');
    }

    private static void WriteString(string s, StringBuilder text)
    {
        text.Append('"');
        foreach (var c in s)
        {
            if (c == '"') text.Append("\\\"");
            else if (c == '\\') text.Append("\\\\");
            else if (c == '\n') text.Append("\\n");
            else if (c == '\r') text.Append("\\r");
            else if (c == '\t') text.Append("\\t");
            else if (c == '\b') text.Append("\\b");
            else if (c == '\f') text.Append("\\f");
            else if (c >= ' ' && c <= '~') text.Append(c);
            else text.Append("\\u").Append(((int)c).ToString("x4"));
        }
        text.Append('"');
    }
}
