using System.Globalization;
using System.Text.Json;
using MaasImages.Engine.Streams;

namespace MaasImages.Engine.Layout;

/// <summary>
/// The maas.meta entries of an image or bootloader version, by the rules MAAS 3.4 follows when it
/// builds its boot image mapping (src/provisioningserver/import_images/download_descriptions.py,
/// <c>RepoDumper.insert_item</c> and <c>clean_up_repo_item</c>, tags 3.4.0–3.4.10): one pass per
/// item of the version, in the order simplestreams hands them over (products in document order,
/// newest version only, items in document order). For each item: <c>setdefault</c> under every
/// subarch of <c>subarches</c> (the first item wins those), then <c>set</c> under the product's own
/// <c>subarch</c> (the last item wins), then for Ubuntu the <c>generic</c> entry when the own
/// subarch is <c>ga-&lt;version&gt;</c> or <c>hwe-&lt;first letter of release&gt;</c>.
/// </summary>
internal static class MaasMetaRules
{
    /// <summary>clean_up_repo_item's keys_to_keep, in MAAS's order (the output is sorted anyway).</summary>
    private static readonly string[] CompactKeys =
    [
        "content_id", "product_name", "version_name", "path", "subarches", "release_codename", "release_title",
        "support_eol", "kflavor", MaasMeta.BootloaderTypeKey, "os_title", "gadget_title",
    ];

    /// <summary>One product version as simplestreams hands it over: names, the version's level, where it stands.</summary>
    internal readonly record struct StreamVersion(string ProductName, string VersionName, PropertyBag Version, (int Content, int Product) Position);

    private static StreamVersion Of(MaasImageVersion version) =>
        new(version.ProductName, version.VersionName, version.VersionProps, version.StreamPosition);

    /// <summary>
    /// Image entries of <paramref name="meta"/> for a run that saves <paramref name="run"/> (newest
    /// version each) into a tree already described by it. The run's products and every carried
    /// product version the run's documents still list are inserted again, all in stream order, so
    /// the result is what MAAS builds for everything the tree holds; carried entries the run cannot
    /// place in the stream stay as they are (and, there first, keep their keys). With
    /// <paramref name="prune"/> only the run's products remain, and those of <paramref name="keep"/>
    /// (images of the run that failed: they keep their previous version).
    /// </summary>
    public static void ApplyImages(MaasMeta meta, IReadOnlyList<MaasImageVersion> run, bool prune, IReadOnlySet<string>? keep = null)
    {
        var runNames = run.Select(v => v.ProductName).ToHashSet(StringComparer.Ordinal);
        meta.RemoveWhere(entry => !MaasMeta.IsBootloader(entry) && MaasMeta.ProductOf(entry) is var name &&
            ((name is not null && runNames.Contains(name)) || (prune && !(name is not null && keep is not null && keep.Contains(name)))));

        var documents = run.GroupBy(v => v.StreamPosition.Content)
            .Select(g => (Content: g.Key, Top: g.First().VersionProps.Parent?.Parent))
            .Where(d => d.Top is not null)
            .ToList();
        var again = new List<StreamVersion>();
        var carried = meta.ImageEntries()
            .Select(e => (Product: MaasMeta.ProductOf(e.Entry), Version: MaasMeta.VersionOf(e.Entry)))
            .Where(p => p.Product is not null && p.Version is not null)
            .Distinct()
            .ToList();
        foreach (var (product, version) in carried)
        {
            foreach (var (content, top) in documents)
            {
                if (Find(top!, content, product!, version!) is { } found)
                {
                    again.Add(found);
                    break;
                }
            }
        }
        var rederived = again.Select(a => (a.ProductName, a.VersionName)).ToHashSet();
        meta.RemoveWhere(entry => !MaasMeta.IsBootloader(entry) && MaasMeta.ProductOf(entry) is { } name && MaasMeta.VersionOf(entry) is { } version &&
            rederived.Contains((name, version)));
        foreach (var version in run.Select(Of).Concat(again).OrderBy(v => v.Position.Content).ThenBy(v => v.Position.Product))
            Insert(meta, version);
    }

    /// <summary>
    /// Bootloader entries for a run: the entries of these products, and of any other product for
    /// the same bootloader/&lt;type&gt;/&lt;arch&gt; folder (its files are about to be replaced), go;
    /// then the products are inserted in stream order.
    /// </summary>
    public static void ApplyBootloaders(MaasMeta meta, IReadOnlyList<MaasImageVersion> run, Func<MaasImageVersion, string> typeOf)
    {
        var folders = run.Select(p => (p.Arch, Type: typeOf(p))).ToHashSet();
        var names = run.Select(p => p.ProductName).ToHashSet(StringComparer.Ordinal);
        foreach (var (key, entry) in meta.BootloaderEntries().ToList())
            if (folders.Contains((key[1], key[4])) || (MaasMeta.ProductOf(entry) is { } name && names.Contains(name))) meta.Remove(key);
        foreach (var version in run.Select(Of).OrderBy(v => v.Position.Content).ThenBy(v => v.Position.Product))
            Insert(meta, version);
    }

    /// <summary>products[<paramref name="product"/>].versions[<paramref name="version"/>] of a document, with its place.</summary>
    private static StreamVersion? Find(PropertyBag top, int content, string product, string version)
    {
        var position = 0;
        foreach (var (productName, productLevel) in top.Children("products"))
        {
            if (productName == product)
            {
                foreach (var (versionName, versionLevel) in productLevel.Children("versions"))
                    if (versionName == version) return new StreamVersion(productName, versionName, versionLevel, (content, position));
                return null;
            }
            position++;
        }
        return null;
    }

    /// <summary>Inserts every item of <paramref name="version"/> into <paramref name="meta"/> as insert_item does.</summary>
    private static void Insert(MaasMeta meta, StreamVersion version)
    {
        foreach (var (itemName, itemProps) in version.Version.Children("items"))
            InsertItem(meta, Flatten(version, itemName, itemProps));
    }

    private static void InsertItem(MaasMeta meta, Dictionary<string, string> item)
    {
        // Where MAAS would stop on a KeyError, nothing is recorded (the item cannot be placed either).
        if (!item.TryGetValue("arch", out var arch) || !item.TryGetValue("label", out var label)) return;
        var os = item.GetValueOrDefault("os") ?? "ubuntu"; // get_os_from_product
        var subarches = item.GetValueOrDefault("subarches") ?? "generic";
        string release, kflavor;
        if (item.TryGetValue(MaasMeta.BootloaderTypeKey, out var bootloaderType))
        {
            release = bootloaderType;
            kflavor = "bootloader";
        }
        else
        {
            if (!item.TryGetValue("release", out var ownRelease)) return;
            release = ownRelease;
            kflavor = item.GetValueOrDefault("kflavor") ?? "generic";
        }
        var compact = Compact(item);

        if (os == "ubuntu-core")
        {
            // One entry per release/arch/gadget, first item wins.
            var gadget = item.GetValueOrDefault("gadget_snap") ?? "generic";
            var kernel = item.GetValueOrDefault("kernel_snap") ?? "generic";
            meta.SetDefault([os, arch, "generic", kernel, $"{release}-{gadget}", label], compact);
            return;
        }

        foreach (var alias in subarches.Split(',')) // Python's str.split(","): no trimming
            meta.SetDefault([os, arch, alias, kflavor, release, label], compact);
        var subarch = item.GetValueOrDefault("subarch") ?? "generic";
        meta.Set([os, arch, subarch, kflavor, release, label], compact);

        if (os == "ubuntu" && item.TryGetValue("version", out var version) && release.Length > 0)
        {
            // `"generic" in subarches` is a substring test on the comma list in MAAS.
            if ((subarch == $"ga-{version}" || subarch == $"hwe-{release[0]}") && subarches.Contains("generic", StringComparison.Ordinal))
                meta.Set([os, arch, "generic", kflavor, release, label], compact);
        }
    }

    private static SortedDictionary<string, string> Compact(Dictionary<string, string> item)
    {
        var compact = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in CompactKeys)
            if (item.TryGetValue(key, out var value)) compact[key] = value;
        return compact;
    }

    /// <summary>
    /// simplestreams' products_exdata: the string and number values of top, product, version and
    /// item, lower levels winning, with product_name, version_name and item_name set after their level.
    /// </summary>
    private static Dictionary<string, string> Flatten(StreamVersion version, string itemName, PropertyBag item)
    {
        var versionLevel = item.Parent!;
        var productLevel = versionLevel.Parent!;
        var topLevel = productLevel.Parent;
        var flat = new Dictionary<string, string>(StringComparer.Ordinal);
        if (topLevel is not null) CopyStringItems(topLevel, flat);
        CopyStringItems(productLevel, flat);
        flat["product_name"] = version.ProductName;
        CopyStringItems(versionLevel, flat);
        flat["version_name"] = version.VersionName;
        CopyStringItems(item, flat);
        flat["item_name"] = itemName;
        return flat;
    }

    /// <summary>simplestreams' stringitems: strings as they are, numbers (and booleans, which are ints in Python) through str().</summary>
    private static void CopyStringItems(PropertyBag level, Dictionary<string, string> target)
    {
        foreach (var (name, value) in level.OwnRaw())
            if (PythonStr(value) is { } text) target[name] = text;
    }

    internal static string? PythonStr(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.True => "True",
        JsonValueKind.False => "False",
        JsonValueKind.Number => PythonNumber(value.GetRawText()),
        _ => null,
    };

    /// <summary>str() of what Python's json module makes of a JSON number: an int, or a float printed by repr.</summary>
    internal static string PythonNumber(string raw)
    {
        if (raw.AsSpan().IndexOfAny('.', 'e', 'E') < 0) return raw == "-0" ? "0" : raw;
        var number = double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture);
        return PythonFloatRepr(number);
    }

    /// <summary>Python's repr(float): shortest round-trip digits, exponent form below 1e-4 and from 1e16.</summary>
    internal static string PythonFloatRepr(double number)
    {
        if (double.IsPositiveInfinity(number)) return "inf";
        if (double.IsNegativeInfinity(number)) return "-inf";
        if (double.IsNaN(number)) return "nan";
        var sign = number < 0 || (number == 0 && double.IsNegative(number)) ? "-" : string.Empty;
        if (number == 0) return sign + "0.0";

        // Shortest round-trip digits and decimal point position, from .NET's "R" text.
        var text = Math.Abs(number).ToString("R", CultureInfo.InvariantCulture);
        var exponentAt = text.IndexOf('E', StringComparison.Ordinal);
        var exponent = exponentAt < 0 ? 0 : int.Parse(text.AsSpan(exponentAt + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var mantissa = exponentAt < 0 ? text : text[..exponentAt];
        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var whole = dot < 0 ? mantissa : mantissa[..dot];
        var digits = dot < 0 ? mantissa : whole + mantissa[(dot + 1)..];
        var point = whole.Length + exponent;
        var leadingZeros = digits.Length - digits.TrimStart('0').Length;
        digits = digits.TrimStart('0').TrimEnd('0');
        point -= leadingZeros;
        if (digits.Length == 0) return sign + "0.0";

        if (point <= -4 || point > 16)
        {
            var e = point - 1;
            var fraction = digits.Length > 1 ? "." + digits[1..] : string.Empty;
            return $"{sign}{digits[0]}{fraction}e{(e < 0 ? '-' : '+')}{Math.Abs(e).ToString("00", CultureInfo.InvariantCulture)}";
        }
        if (point <= 0) return $"{sign}0.{new string('0', -point)}{digits}";
        if (point >= digits.Length) return $"{sign}{digits}{new string('0', point - digits.Length)}.0";
        return $"{sign}{digits[..point]}.{digits[point..]}";
    }
}
