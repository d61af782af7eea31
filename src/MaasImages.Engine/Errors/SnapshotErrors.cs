namespace MaasImages.Engine.Errors;

/// <summary>The snapshot asked for is not in the boot-resources folder (or there is none to go back to).</summary>
public sealed class SnapshotNotFoundException(string path, string message)
    : MaasImagesException("SnapshotNotFound", MaasErrorKind.ObjectNotFound, message, path);

/// <summary>
/// A folder that must never be served as <c>current</c>: not a snapshot (a half-built
/// <c>.building-*</c>, another name), or one without a readable maas.meta. Nothing was changed.
/// </summary>
public sealed class InvalidSnapshotException(string path, string problem)
    : MaasImagesException("InvalidSnapshot", MaasErrorKind.InvalidData,
        $"'{path}' cannot become current: {problem}. Nothing was changed.", path);
