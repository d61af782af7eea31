namespace MaasImages.Engine.Publishing;

/// <summary>How a mirror is published.</summary>
public sealed class PublishOptions
{
    /// <summary>Files uploaded at once.</summary>
    public int ThrottleLimit { get; init; } = 4;
    /// <summary>Delete objects under the target that the mirror no longer has (after the new index is in place).</summary>
    public bool Prune { get; init; }
    /// <summary>Anonymous read on a container this run creates.</summary>
    public bool PublicRead { get; init; }
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
