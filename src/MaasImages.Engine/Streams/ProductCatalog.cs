using System.Text.Json;
using System.Text.RegularExpressions;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Security;

namespace MaasImages.Engine.Streams;

internal sealed record CatalogItem(string Name, PropertyBag Props, string Path, long Size, string Sha256);

internal sealed record CatalogVersion(string Name, PropertyBag Props, CatalogItem[] Items);

internal sealed record CatalogProduct(string Name, PropertyBag Props, CatalogVersion[] Versions);

/// <summary>
/// A parsed <c>products:1.0</c> document: products, versions (ordered oldest → newest as ordinal
/// strings) and items, each level chained to the one above for inheritance. Every item path is
/// checked for safety and every item has a size and a sha256, or the document is refused.
/// </summary>
internal sealed partial class ProductCatalog
{
    public const string ProductsFormat = "products:1.0";

    /// <summary>Keys that hold children, never inherited as properties.</summary>
    private static readonly HashSet<string> StructuralKeys = new(StringComparer.Ordinal) { "products", "versions", "items" };

    private ProductCatalog(string documentName, string? contentId, PropertyBag top, CatalogProduct[] products)
    {
        DocumentName = documentName;
        ContentId = contentId;
        Top = top;
        Products = products;
    }

    public string DocumentName { get; }
    public string? ContentId { get; }
    public PropertyBag Top { get; }
    public IReadOnlyList<CatalogProduct> Products { get; }

    public static ProductCatalog Parse(MetadataDocument document)
    {
        document.RequireFormat(ProductsFormat);
        var name = document.Name;
        var root = document.Json.RootElement;
        var top = ReadScalars(root, null);

        if (!root.TryGetProperty("products", out var productsElement) || productsElement.ValueKind != JsonValueKind.Object)
            throw new MalformedDocumentException($"'{name}' has no 'products' object.", name);

        var products = new List<CatalogProduct>();
        foreach (var product in productsElement.EnumerateObject())
        {
            var where = $"products[\"{product.Name}\"]";
            var productBag = ReadScalars(RequireObject(product.Value, name, where), top);
            var versions = new List<CatalogVersion>();
            if (product.Value.TryGetProperty("versions", out var versionsElement))
            {
                foreach (var version in RequireObject(versionsElement, name, where + ".versions").EnumerateObject())
                {
                    var versionWhere = $"{where}.versions[\"{version.Name}\"]";
                    var versionBag = ReadScalars(RequireObject(version.Value, name, versionWhere), productBag);
                    var items = new List<CatalogItem>();
                    if (version.Value.TryGetProperty("items", out var itemsElement))
                    {
                        foreach (var item in RequireObject(itemsElement, name, versionWhere + ".items").EnumerateObject())
                        {
                            var parsed = ReadItem(item, versionBag, name, $"{versionWhere}.items[\"{item.Name}\"]");
                            if (parsed is not null) items.Add(parsed);
                        }
                    }
                    items.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
                    versions.Add(new CatalogVersion(version.Name, versionBag, items.ToArray()));
                }
            }
            versions.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            products.Add(new CatalogProduct(product.Name, productBag, versions.ToArray()));
        }
        products.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return new ProductCatalog(name, top.GetOwn("content_id"), top, products.ToArray());
    }

    private static CatalogItem? ReadItem(JsonProperty item, PropertyBag versionBag, string documentName, string where)
    {
        var element = RequireObject(item.Value, documentName, where);
        var bag = ReadScalars(element, versionBag);
        var path = bag.GetOwn("path");
        if (path is null) return null; // nothing to download (never seen upstream, allowed by the format)
        PathSafety.EnsureSafe(path, documentName);

        var sha256 = bag.GetOwn("sha256");
        var sizeText = bag.GetOwn("size");
        if (sha256 is null || sizeText is null)
        {
            var missing = sha256 is null && sizeText is null ? "size and sha256" : sha256 is null ? "sha256" : "size";
            throw new MissingChecksumException(
                $"'{documentName}': item {where} (path '{path}') has no {missing}, so it could never be verified; refusing the document.", path);
        }
        if (!Sha256Pattern().IsMatch(sha256))
            throw new MalformedDocumentException($"'{documentName}': item {where} has an invalid sha256 '{sha256}'.", path);
        if (!long.TryParse(sizeText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var size))
            throw new MalformedDocumentException($"'{documentName}': item {where} has an invalid size '{sizeText}'.", path);
        return new CatalogItem(item.Name, bag, path, size, sha256.ToLowerInvariant());
    }

    private static JsonElement RequireObject(JsonElement element, string documentName, string where)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new MalformedDocumentException($"'{documentName}': {where} should be an object but is {element.ValueKind}.", documentName);
        return element;
    }

    /// <summary>Scalar members of one level; numbers keep their JSON text, objects and arrays are not inherited.</summary>
    private static PropertyBag ReadScalars(JsonElement element, PropertyBag? parent)
    {
        var keys = new List<string>(16);
        var values = new List<string>(16);
        foreach (var member in element.EnumerateObject())
        {
            string? value = member.Value.ValueKind switch
            {
                JsonValueKind.String => member.Value.GetString(),
                JsonValueKind.Number => member.Value.GetRawText(),
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                _ => null,
            };
            if (value is null || StructuralKeys.Contains(member.Name)) continue;
            keys.Add(member.Name);
            values.Add(value);
        }
        return new PropertyBag(keys.ToArray(), values.ToArray(), parent);
    }

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Pattern();
}
