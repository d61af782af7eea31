namespace MaasImages.Engine.Errors;

/// <summary>
/// Something already in the destination would lead a write or delete outside it: a folder this
/// module owns (cache/, a mirror folder) is a symbolic link. Stopped before anything changed.
/// </summary>
public sealed class UnsafeDestinationException(string path, string problem)
    : MaasImagesException("UnsafeDestination", MaasErrorKind.SecurityError,
        $"Refusing to write under '{path}': {problem}. Nothing was fetched, written or deleted; replace the link with a real folder (move its files in) and run again.",
        path);
