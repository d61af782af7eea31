namespace MaasImages.Engine.Publishing;

/// <summary>Picks the store for a target URL: the one place to add another kind of object storage.</summary>
public static class MirrorStores
{
    /// <summary>Azure Blob Storage for now (see <see cref="AzureBlobMirrorStore.Open"/> for the credentials used).</summary>
    public static IMirrorStore Open(Uri target, string? connectionString) => AzureBlobMirrorStore.Open(target, connectionString);
}
