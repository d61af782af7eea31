namespace MaasImages.Engine.Publishing;

/// <summary>An object already in the store: its size and the sha256 recorded when it was uploaded (null when none was).</summary>
public sealed record StoredObject(string Name, long Size, string? Sha256);

/// <summary>A local file to put in the store under <paramref name="Name"/> (the mirror-relative path, '/'-separated).</summary>
public sealed record LocalObject(string Name, string Path, long Size, string Sha256, string ContentType, string? CacheControl);

/// <summary>
/// Where a mirror is published. The publisher decides what goes up and in which order; a store
/// only lists, uploads and deletes, so another kind of object storage (S3-compatible) is one more
/// implementation of this interface, with no change to the publisher or the cmdlet.
/// </summary>
public interface IMirrorStore
{
    /// <summary>What messages and output call the target (a URL without credentials).</summary>
    string Location { get; }

    /// <summary>The public URL of <paramref name="name"/> (without credentials).</summary>
    Uri UrlOf(string name);

    /// <summary>Every object under the target with its recorded sha256; null when the container does not exist.</summary>
    Task<IReadOnlyDictionary<string, StoredObject>?> ListAsync(CancellationToken cancellationToken);

    /// <summary>Creates the missing container (anonymous read of its objects when <paramref name="publicRead"/>).</summary>
    Task CreateContainerAsync(bool publicRead, CancellationToken cancellationToken);

    /// <summary>Whether anonymous readers may read the objects of the existing container; null when the store cannot tell (not allowed to ask).</summary>
    Task<bool?> IsPublicReadAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Uploads <paramref name="file"/> with its sha256 recorded, replacing what is there only once
    /// it is complete. Reports bytes sent; returns the bytes sent (less than the size when an
    /// interrupted upload was resumed).
    /// </summary>
    Task<long> UploadAsync(LocalObject file, Action<long> bytesSent, CancellationToken cancellationToken);

    Task DeleteAsync(string name, CancellationToken cancellationToken);
}
