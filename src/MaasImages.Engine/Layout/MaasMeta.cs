using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MaasImages.Engine.Layout;

/// <summary>
/// maas.meta: nested os → arch → subarch → kflavor → release → label → entry, written the way
/// MAAS writes it (Python json.dumps with sorted keys: one line, ", " and ": " separators), so
/// "nothing changed" can be decided by comparing bytes.
/// </summary>
internal sealed class MaasMeta
{
    private readonly JsonObject _root;

    private MaasMeta(JsonObject root) => _root = root;

    public static MaasMeta Empty() => new(new JsonObject());

    public static MaasMeta Load(string path)
    {
        if (!File.Exists(path)) return Empty();
        try
        {
            return new MaasMeta(JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? new JsonObject());
        }
        catch (JsonException)
        {
            return Empty(); // a damaged maas.meta is rebuilt from the selection
        }
    }

    public MaasMeta Clone() => new((JsonObject)_root.DeepClone());

    /// <summary>Sets the entry at os/arch/subarch/kflavor/release/label.</summary>
    public void Set(IReadOnlyList<string> keyPath, IReadOnlyDictionary<string, string> entry)
    {
        var node = _root;
        foreach (var key in keyPath)
        {
            if (node[key] is not JsonObject child)
            {
                child = new JsonObject();
                node[key] = child;
            }
            node = child;
        }
        node.Clear();
        foreach (var (k, v) in entry) node[k] = v;
    }

    /// <summary>Removes the entry and any parent left empty.</summary>
    public void Remove(IReadOnlyList<string> keyPath)
    {
        var chain = new List<JsonObject> { _root };
        foreach (var key in keyPath.Take(keyPath.Count - 1))
        {
            if (chain[^1][key] is not JsonObject child) return;
            chain.Add(child);
        }
        chain[^1].Remove(keyPath[^1]);
        for (int i = chain.Count - 1; i > 0; i--)
        {
            if (chain[i].Count == 0) chain[i - 1].Remove(keyPath[i - 1]);
        }
    }

    /// <summary>Every image entry (depth 6) with its key path; bootloader entries (same depth) are not images.</summary>
    public IEnumerable<(string[] KeyPath, JsonObject Entry)> ImageEntries() =>
        Entries().Where(e => !e.Entry.ContainsKey(BootloaderTypeKey));

    /// <summary>Bootloader entries: os/arch/generic/bootloader/&lt;bootloader-type&gt;/label.</summary>
    public IEnumerable<(string[] KeyPath, JsonObject Entry)> BootloaderEntries() =>
        Entries().Where(e => e.Entry.ContainsKey(BootloaderTypeKey));

    public const string BootloaderTypeKey = "bootloader-type";

    private IEnumerable<(string[] KeyPath, JsonObject Entry)> Entries()
    {
        foreach (var (os, arches) in _root)
            foreach (var (arch, subarches) in Objects(arches))
                foreach (var (subarch, kflavors) in Objects(subarches))
                    foreach (var (kflavor, releases) in Objects(kflavors))
                        foreach (var (release, labels) in Objects(releases))
                            foreach (var (label, entry) in Objects(labels))
                                if (entry is JsonObject e && e.ContainsKey("product_name"))
                                    yield return ([os, arch, subarch, kflavor, release, label], e);
    }

    private static List<KeyValuePair<string, JsonNode?>> Objects(JsonNode? node) =>
        node is JsonObject o ? o.ToList() : [];

    /// <summary>The bytes MAAS would write.</summary>
    public byte[] ToBytes()
    {
        var text = new StringBuilder();
        Write(_root, text);
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static void Write(JsonNode? node, StringBuilder text)
    {
        switch (node)
        {
            case JsonObject obj:
                text.Append('{');
                bool first = true;
                foreach (var (key, value) in obj.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    if (!first) text.Append(", ");
                    first = false;
                    AppendString(key, text);
                    text.Append(": ");
                    Write(value, text);
                }
                text.Append('}');
                break;
            case null:
                text.Append("null");
                break;
            case JsonValue value when value.TryGetValue(out string? s):
                AppendString(s, text);
                break;
            default:
                text.Append(node.ToJsonString());
                break;
        }
    }

    /// <summary>A JSON string as Python's json.dumps writes it (ensure_ascii: non-ASCII as \uXXXX).</summary>
    private static void AppendString(string value, StringBuilder text)
    {
        text.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                default:
                    if (c < 0x20 || c > 0x7f) text.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                    else text.Append(c);
                    break;
            }
        }
        text.Append('"');
    }
}
