using System.Runtime.CompilerServices;
using System.Text.Json;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Security;

namespace MaasImages.Engine.Streams;

/// <summary>
/// One item, kept as a view over the parsed JSON (a struct in its version's array): a real stream
/// has ~100,000 items, and allocating nothing per item at parse time is what makes listing fast.
/// Path and sha256 were validated at parse time and are read again on demand.
/// </summary>
internal readonly struct CatalogItem(string name, JsonElement element, PropertyBag version, long size)
{
    public string Name { get; } = name;
    public long Size { get; } = size;
    /// <summary>The item's own properties, inheriting from its version.</summary>
    public PropertyBag Props => new(element, version);
    public string Path => element.GetProperty("path").GetString()!;
    public string Sha256 => element.GetProperty("sha256").GetString()!.ToLowerInvariant();
    public string? GetOwn(string key) => element.TryGetProperty(key, out var value) ? PropertyBag.Scalar(value) : null;
    /// <summary>The item's own JSON object (checks that look up many keys by their UTF-8 bytes).</summary>
    internal JsonElement Element => element;
}

internal sealed record CatalogVersion(string Name, PropertyBag Props, CatalogItem[] Items);

/// <param name="Position">Where the product stands in the document: simplestreams hands products to MAAS in this order.</param>
internal sealed record CatalogProduct(string Name, PropertyBag Props, CatalogVersion[] Versions, int Position);

/// <summary>
/// A parsed <c>products:1.0</c> document: products, versions (ordered oldest → newest as ordinal
/// strings) and items, each level chained to the one above for inheritance. Every item path is
/// checked for safety and every item has a size and a sha256, or the document is refused.
/// </summary>
internal sealed class ProductCatalog
{
    public const string ProductsFormat = "products:1.0";

    private ProductCatalog(string documentName, string? contentId, PropertyBag top, CatalogProduct[] products, DocumentBytes? source)
    {
        Source = source;
        DocumentName = documentName;
        ContentId = contentId;
        Top = top;
        Products = products;
    }

    public string DocumentName { get; }
    public string? ContentId { get; }
    public PropertyBag Top { get; }
    public IReadOnlyList<CatalogProduct> Products { get; }
    /// <summary>The document as read and checked, carried to every image for mirrors and rollback checks.</summary>
    public DocumentBytes? Source { get; }

    /// <summary>
    /// Parse a products document. The catalog reads values from <paramref name="document"/> on
    /// demand, so it takes ownership: the document must not be disposed while the catalog or any
    /// image built from it is in use (it is simply left to the garbage collector).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // one long loop: skip the slow first JIT tier
    public static ProductCatalog Parse(MetadataDocument document, DocumentBytes? source = null)
    {
        document.RequireFormat(ProductsFormat);
        var name = document.Name;
        var root = document.Json.RootElement;
        var top = new PropertyBag(root, null);

        if (!root.TryGetProperty("products", out var productsElement) || productsElement.ValueKind != JsonValueKind.Object)
            throw new MalformedDocumentException($"'{name}' has no 'products' object.", name);

        var products = new List<CatalogProduct>();
        var versions = new List<CatalogVersion>();
        var items = new CatalogItem[8];
        foreach (var product in productsElement.EnumerateObject())
        {
            var productBag = new PropertyBag(RequireObject(product.Value, name, new Location(product)), top);
            versions.Clear();
            if (product.Value.TryGetProperty("versions", out var versionsElement))
            {
                foreach (var version in RequireObject(versionsElement, name, new Location(product, "versions")).EnumerateObject())
                {
                    var versionBag = new PropertyBag(RequireObject(version.Value, name, new Location(product, version)), productBag);
                    int count = 0;
                    if (version.Value.TryGetProperty("items", out var itemsElement))
                    {
                        foreach (var item in RequireObject(itemsElement, name, new Location(product, version, "items")).EnumerateObject())
                        {
                            if (ReadItem(item, versionBag, name, new Location(product, version, item)) is not { } parsed) continue;
                            if (count == items.Length) Array.Resize(ref items, count * 2);
                            items[count++] = parsed;
                        }
                    }
                    versions.Add(new CatalogVersion(version.Name, versionBag, SortedByName(items, count)));
                }
            }
            versions.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            products.Add(new CatalogProduct(product.Name, productBag, versions.ToArray(), products.Count));
        }
        products.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return new ProductCatalog(name, top.GetOwn("content_id"), top, products.ToArray(), source);
    }

    /// <summary>A copy of the first <paramref name="count"/> items in name order (a version has a handful: insertion sort).</summary>
    private static CatalogItem[] SortedByName(CatalogItem[] buffer, int count)
    {
        var sorted = new CatalogItem[count];
        for (int i = 0; i < count; i++)
        {
            var item = buffer[i];
            int j = i;
            while (j > 0 && string.CompareOrdinal(sorted[j - 1].Name, item.Name) > 0)
            {
                sorted[j] = sorted[j - 1];
                j--;
            }
            sorted[j] = item;
        }
        return sorted;
    }

    /// <summary>
    /// Where in the document we are, turned into text only when something is wrong: building a
    /// message per item would cost more than parsing it.
    /// </summary>
    private readonly struct Location(JsonProperty? product, JsonProperty? version = null, JsonProperty? item = null, string? member = null)
    {
        public Location(JsonProperty product, string member) : this(product, null, null, member) { }
        public Location(JsonProperty product, JsonProperty version, string member) : this(product, version, null, member) { }

        public override string ToString()
        {
            var text = new System.Text.StringBuilder();
            if (product is { } p) text.Append("products[\"").Append(p.Name).Append("\"]");
            if (version is { } v) text.Append(".versions[\"").Append(v.Name).Append("\"]");
            if (item is { } i) text.Append(".items[\"").Append(i.Name).Append("\"]");
            if (member is not null) text.Append('.').Append(member);
            return text.ToString();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static CatalogItem? ReadItem(JsonProperty item, PropertyBag versionBag, string documentName, Location where)
    {
        var element = RequireObject(item.Value, documentName, where);
        // Path and sha256 are checked on the document's own bytes: a string per item would only
        // validate and die (a 200 MB document has ~800,000 items). Strings are made for messages.
        var hasPath = element.TryGetProperty("path"u8, out var pathElement);
        string? path = null;
        if (!hasPath || !IsSafePlainPath(pathElement))
        {
            path = hasPath ? PropertyBag.Scalar(pathElement) : null;
            if (path is null) return null; // nothing to download (never seen upstream, allowed by the format)
            PathSafety.EnsureSafe(path, documentName);
        }

        var hasSha256 = element.TryGetProperty("sha256"u8, out var shaElement) && PropertyBag.IsScalar(shaElement);
        var hasSize = element.TryGetProperty("size"u8, out var sizeElement) && sizeElement.ValueKind != JsonValueKind.Null;
        if (!hasSha256 || !hasSize)
        {
            path ??= PropertyBag.Scalar(pathElement);
            var missing = !hasSha256 && !hasSize ? "size and sha256" : !hasSha256 ? "sha256" : "size";
            throw new MissingChecksumException(
                $"'{documentName}': item {where} (path '{path}') has no {missing}, so it could never be verified; refusing the document.", path);
        }
        if (shaElement.ValueKind != JsonValueKind.String || !IsSha256(shaElement))
        {
            path ??= PropertyBag.Scalar(pathElement);
            throw new MalformedDocumentException($"'{documentName}': item {where} has an invalid sha256 '{PropertyBag.Scalar(shaElement)}'.", path);
        }
        long size = -1;
        var sizeOk = sizeElement.ValueKind == JsonValueKind.Number
            ? sizeElement.TryGetInt64(out size)
            : sizeElement.ValueKind == JsonValueKind.String && long.TryParse(sizeElement.GetString(), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out size);
        if (!sizeOk || size < 0)
            throw new MalformedDocumentException($"'{documentName}': item {where} has an invalid size '{sizeElement.GetRawText()}'.",
                path ?? PropertyBag.Scalar(pathElement));
        return new CatalogItem(NameOf(item), element, versionBag, size);
    }

    private static JsonElement RequireObject(JsonElement element, string documentName, Location where)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new MalformedDocumentException($"'{documentName}': {where} should be an object but is {element.ValueKind}.", documentName);
        return element;
    }

    /// <summary>
    /// Item names seen in nearly every version of real documents. Matching them against the UTF-8
    /// name reuses one string instead of allocating one per item.
    /// </summary>
    private static readonly string[] CommonItemNames =
        ["boot-initrd", "boot-kernel", "manifest", "squashfs", "root-tgz", "root-image.gz", "boot-dtb", "di-initrd", "di-kernel"];

    private static readonly byte[][] CommonItemNamesUtf8 = CommonItemNames.Select(System.Text.Encoding.UTF8.GetBytes).ToArray();

    private static string NameOf(JsonProperty member)
    {
        for (int i = 0; i < CommonItemNamesUtf8.Length; i++)
        {
            if (member.NameEquals(CommonItemNamesUtf8[i])) return CommonItemNames[i];
        }
        return member.Name;
    }

    /// <summary>64 hex digits; read from the document's bytes unless the string has escapes.</summary>
    private static bool IsSha256(JsonElement value)
    {
        if (PlainStringBytes(value, out var raw)) return raw.Length == 64 && raw.IndexOfAnyExcept(HexDigitsUtf8) < 0;
        var text = value.GetString()!;
        return text.Length == 64 && text.AsSpan().IndexOfAnyExcept(HexDigits) < 0;
    }

    /// <summary>
    /// True when the string value is a safe path as written in the document (no escapes, short):
    /// checked on a stack copy of its characters. False means "look again with a string", which
    /// also finds escaped values and makes the message.
    /// </summary>
    private static bool IsSafePlainPath(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String || !PlainStringBytes(value, out var raw) || raw.Length > 1024) return false;
        Span<char> chars = stackalloc char[raw.Length];
        return System.Text.Encoding.UTF8.TryGetChars(raw, chars, out var count) && PathSafety.FindProblem(chars[..count]) is null;
    }

    /// <summary>A string value's UTF-8 bytes as written in the document, when it has no escapes (they then are its value).</summary>
    private static bool PlainStringBytes(JsonElement value, out ReadOnlySpan<byte> bytes)
    {
        // The raw JSON of a string token, quotes included.
        var raw = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(value);
        bytes = raw.Length >= 2 && raw[0] == (byte)'"' && raw[^1] == (byte)'"' ? raw[1..^1] : default;
        return raw.Length >= 2 && raw[0] == (byte)'"' && raw[^1] == (byte)'"' && bytes.IndexOf((byte)'\\') < 0;
    }

    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");
    private static readonly System.Buffers.SearchValues<byte> HexDigitsUtf8 = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF"u8);
}
