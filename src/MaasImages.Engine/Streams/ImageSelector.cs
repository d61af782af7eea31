namespace MaasImages.Engine.Streams;

/// <summary>Turns a parsed products document into the MaasImageVersion objects a query selects.</summary>
internal static class ImageSelector
{
    public static IEnumerable<MaasImageVersion> Select(MaasStream stream, ProductCatalog catalog, ImageQuery query)
    {
        var compiled = query.Compile();
        var contentId = catalog.ContentId ?? string.Empty;
        foreach (var product in catalog.Products)
        {
            if (product.Versions.Length == 0) continue;
            var newest = product.Versions[^1].Name;
            var matched = new List<(CatalogVersion Version, List<CatalogItem> Items)>();
            foreach (var version in product.Versions)
            {
                if (!compiled.MatchesVersion(version.Name, version.Props)) continue;
                var items = new List<CatalogItem>(version.Items.Length);
                foreach (var item in version.Items)
                {
                    if (compiled.MatchesItem(key => Lookup(key, item, version, product))) items.Add(item);
                }
                if (items.Count > 0) matched.Add((version, items));
            }

            var skip = compiled.MaxVersions is int max ? Math.Max(0, matched.Count - max) : 0;
            foreach (var (version, items) in matched.Skip(skip))
            {
                yield return Build(stream, contentId, product, version, items, version.Name == newest);
            }
        }
    }

    /// <summary>The flattened item view of simplestreams, plus the names of each level.</summary>
    private static string? Lookup(string key, CatalogItem item, CatalogVersion version, CatalogProduct product) => key switch
    {
        "product_name" => product.Name,
        "version_name" => version.Name,
        "item_name" => item.Name,
        _ => item.Props.Get(key),
    };

    private static MaasImageVersion Build(MaasStream stream, string contentId, CatalogProduct product, CatalogVersion version,
        List<CatalogItem> items, bool isLatest)
    {
        var files = new MaasImageFile[items.Count];
        for (int i = 0; i < files.Length; i++)
        {
            var item = items[i];
            files[i] = new MaasImageFile(item.Name, item.Path, item.Size, item.Sha256, item.Props, stream.Source);
        }
        return new MaasImageVersion(stream, contentId, product.Name, version.Name, version.Props, files, isLatest);
    }
}
