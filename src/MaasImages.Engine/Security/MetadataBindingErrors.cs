using MaasImages.Engine.Errors;

namespace MaasImages.Engine.Security;

/// <summary>
/// A products document says it is another content id than the index entry that named it: a
/// genuinely signed document of another stream (candidate for stable) or content was swapped in.
/// </summary>
public sealed class ContentIdMismatchException(string document, string expected, string? actual, string stream)
    : MaasImagesException("ContentIdMismatch", MaasErrorKind.SecurityError,
        $"'{document}' is named by the index of stream '{stream}' for content id '{expected}', but its content_id is " +
        $"{(actual is null ? "missing" : $"'{actual}'")}. A signed document of another stream or content may have been swapped in; nothing from it is used.",
        document)
{
    public string Expected { get; } = expected;
    public string? Actual { get; } = actual;
}

/// <summary>
/// The metadata offered is older than what the destination was already saved from: a replayed,
/// genuinely signed old document (rollback), or a mirror that went back in time.
/// </summary>
public sealed class StaleMetadataException(string document, DateTimeOffset offered, DateTimeOffset saved, string destination)
    : MaasImagesException("StaleMetadata", MaasErrorKind.SecurityError,
        $"'{document}' is dated {offered:R} but '{destination}' was already saved from a copy dated {saved:R}. " +
        "Older metadata is refused (it could be a replayed signed document hiding newer fixes).",
        document, remedy: MaasRemedy.Override)
{
    public DateTimeOffset Offered { get; } = offered;
    public DateTimeOffset Saved { get; } = saved;
}

/// <summary>A mirror root already holds another stream's index; saving would overwrite it.</summary>
public sealed class StreamMismatchException(string message, object? target)
    : MaasImagesException("StreamMismatch", MaasErrorKind.InvalidArgument, message, target);
