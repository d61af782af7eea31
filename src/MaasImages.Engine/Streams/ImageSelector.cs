using System.Runtime.CompilerServices;

namespace MaasImages.Engine.Streams;

/// <summary>Turns a parsed products document into the MaasImageVersion objects a query selects.</summary>
internal static class ImageSelector
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // one long loop: skip the slow first JIT tier
    public static List<MaasImageVersion> Select(MaasStream stream, ProductCatalog catalog, ImageQuery query, int contentPosition = 0)
    {
        var compiled = query.Compile();
        var contentId = catalog.ContentId ?? string.Empty;
        var selected = new List<MaasImageVersion>();
        var matched = new List<MaasImageVersion>();
        foreach (var product in catalog.Products)
        {
            if (product.Versions.Length == 0) continue;
            var newest = product.Versions[^1];
            matched.Clear();
            foreach (var version in product.Versions)
            {
                if (!compiled.MatchesVersion(version.Name, version.Props)) continue;
                var items = compiled.HasItemFilters ? FilteredItems(compiled, product, version) : version.Items;
                if (items.Length > 0)
                    matched.Add(new MaasImageVersion(stream, contentId, product.Name, version.Name, version.Props, items, version == newest,
                        (contentPosition, product.Position), catalog.Source) { DocumentName = catalog.DocumentName });
            }
            var skip = compiled.MaxVersions is int max ? Math.Max(0, matched.Count - max) : 0;
            for (int i = skip; i < matched.Count; i++) selected.Add(matched[i]);
        }
        return selected;
    }

    private static CatalogItem[] FilteredItems(CompiledImageQuery query, CatalogProduct product, CatalogVersion version) =>
        Array.FindAll(version.Items, item =>
        {
            var props = item.Props;
            return query.MatchesItem(key => Lookup(key, props, item.Name, version, product));
        });

    /// <summary>The flattened item view of simplestreams, plus the names of each level.</summary>
    private static string? Lookup(string key, PropertyBag item, string itemName, CatalogVersion version, CatalogProduct product) => key switch
    {
        "product_name" => product.Name,
        "version_name" => version.Name,
        "item_name" => itemName,
        _ => item.Get(key),
    };
}
