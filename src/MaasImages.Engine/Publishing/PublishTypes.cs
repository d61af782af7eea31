namespace MaasImages.Engine.Publishing;

/// <summary>How a mirror is published.</summary>
public sealed class PublishOptions
{
    /// <summary>Files uploaded at once.</summary>
    public int ThrottleLimit { get; init; } = 4;
    /// <summary>Delete objects under the target that the mirror no longer has (after the new index is in place).</summary>
    public bool Prune { get; init; }
    /// <summary>
    /// Anonymous read of the blobs (true) or private (false) for a container this run creates; null
    /// when not asked (private). An existing container's access level is never changed: when it
    /// differs from what was asked, a warning says so.
    /// </summary>
    public bool? PublicRead { get; init; }
    /// <summary>How long to wait for a save that holds the mirror's lock (.maasimages.lock) before DestinationLocked.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>What happened, or would happen, to one object.</summary>
public enum MaasPublishAction
{
    Uploaded,
    Skipped,
    Deleted,
}

/// <summary>One object of a publication (-PassThru).</summary>
public sealed record MaasPublishedObject(string Name, MaasPublishAction Action, long Size, long BytesSent, Uri Url)
{
    public override string ToString() => Name;
}

/// <summary>The summary of one publication: what was uploaded, skipped and deleted, and the bytes sent.</summary>
public sealed record MaasMirrorPublication(
    string Destination,
    int Uploaded,
    int Skipped,
    int Deleted,
    long BytesSent,
    long TotalBytes,
    TimeSpan Elapsed,
    IReadOnlyList<MaasPublishedObject> Objects)
{
    /// <summary>Every object (-PassThru lists them); prints as their names, e.g. in Export-Csv.</summary>
    public IReadOnlyList<MaasPublishedObject> Objects { get; init; } = Formatting.Readable.List(Objects);
}
