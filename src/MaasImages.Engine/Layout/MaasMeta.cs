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

    /// <summary>True when <see cref="ToBytes"/> is exactly the file at <paramref name="path"/> (MAAS's "no new images" test).</summary>
    public bool IsWrittenAt(string path) => File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(ToBytes());

    /// <summary>Sets the entry at os/arch/subarch/kflavor/release/label unless one is there already (Python's dict.setdefault).</summary>
    public void SetDefault(IReadOnlyList<string> keyPath, IReadOnlyDictionary<string, string> entry)
    {
        JsonNode? node = _root;
        foreach (var key in keyPath)
        {
            node = node is JsonObject parent ? parent[key] : null;
            if (node is null) break;
        }
        if (node is JsonObject) return;
        Set(keyPath, entry);
    }

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

    /// <summary>Removes every entry <paramref name="match"/> picks (with parents left empty).</summary>
    public void RemoveWhere(Func<JsonObject, bool> match)
    {
        foreach (var (key, _) in Entries().Where(e => match(e.Entry)).ToList()) Remove(key);
    }

    /// <summary>The product an entry describes (MAAS always records it).</summary>
    public static string? ProductOf(JsonObject entry) => entry["product_name"] is JsonValue v && v.TryGetValue(out string? name) ? name : null;

    /// <summary>The version of the product an entry describes.</summary>
    public static string? VersionOf(JsonObject entry) => entry["version_name"] is JsonValue v && v.TryGetValue(out string? name) ? name : null;

    public static bool IsBootloader(JsonObject entry) => entry.ContainsKey(BootloaderTypeKey);

    /// <summary>
    /// Every image entry (depth 6) with its key path; bootloader entries (same depth) are not images.
    /// One image has many entries: its own subarch, maybe <c>generic</c>, and an alias per subarch of
    /// its <c>subarches</c> list (see <see cref="MaasMetaRules"/>): an entry is not a folder.
    /// </summary>
    public IEnumerable<(string[] KeyPath, JsonObject Entry)> ImageEntries() =>
        Entries().Where(e => !IsBootloader(e.Entry));

    /// <summary>Bootloader entries: os/arch/generic/bootloader/&lt;bootloader-type&gt;/label.</summary>
    public IEnumerable<(string[] KeyPath, JsonObject Entry)> BootloaderEntries() =>
        Entries().Where(e => IsBootloader(e.Entry));

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
                foreach (var (key, value) in obj.OrderBy(kv => kv.Key, CodePointOrder.Instance))
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

    /// <summary>A JSON string as Python's json.dumps writes it (ensure_ascii: everything outside space..~ as \uXXXX, DEL included).</summary>
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
                    if (c < 0x20 || c > 0x7e) text.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                    else text.Append(c);
                    break;
            }
        }
        text.Append('"');
    }

    /// <summary>
    /// Python's sort_keys order: by code point. UTF-16 ordinal order differs only for characters
    /// beyond U+FFFF (surrogates) against U+E000–U+FFFF.
    /// </summary>
    private sealed class CodePointOrder : IComparer<string>
    {
        public static readonly CodePointOrder Instance = new();

        public int Compare(string? x, string? y)
        {
            x ??= string.Empty;
            y ??= string.Empty;
            int i = 0, j = 0;
            while (i < x.Length && j < y.Length)
            {
                var order = Next(x, ref i).CompareTo(Next(y, ref j));
                if (order != 0) return order;
            }
            return (i < x.Length).CompareTo(j < y.Length);
        }

        /// <summary>The code point at <paramref name="index"/> (a lone surrogate counts as itself, as in Python).</summary>
        private static int Next(string text, ref int index)
        {
            if (char.IsHighSurrogate(text[index]) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]))
            {
                index += 2;
                return char.ConvertToUtf32(text[index - 2], text[index - 1]);
            }
            return text[index++];
        }
    }
}
