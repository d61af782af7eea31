namespace MaasImages.Engine.Errors;

/// <summary>What kind of failure an engine error is; the cmdlet layer maps it to an ErrorCategory.</summary>
public enum MaasErrorKind
{
    InvalidArgument,
    ConnectionError,
    ObjectNotFound,
    InvalidData,
    SecurityError,
    OperationTimeout,
    ResourceUnavailable,
    WriteError,
    PermissionDenied,
}

/// <summary>
/// What the caller can change to get past an error, in the engine's terms. The engine's texts name
/// no cmdlet parameter: the cmdlet layer turns a remedy into "pass -Force …" and the like.
/// </summary>
public enum MaasRemedy
{
    None,
    /// <summary>Run again overriding the check (replace, go back): -Force.</summary>
    Override,
    /// <summary>Give a keyring file.</summary>
    KeyringFile,
    /// <summary>Give a keyring file, or read the stream unverified.</summary>
    KeyringOrSkipSignatureCheck,
    /// <summary>Read the stream unverified on purpose.</summary>
    SkipSignatureCheck,
    /// <summary>Name the stream a file was saved from.</summary>
    RepairSource,
    /// <summary>Name the snapshot to restore.</summary>
    NameSnapshot,
    /// <summary>Keep snapshots when saving (or do not ask to keep them where there are none).</summary>
    KeepSnapshots,
}

/// <summary>
/// Base of every error the engine raises on purpose. <see cref="ErrorId"/> is stable: scripts may
/// match on it (<c>$_.FullyQualifiedErrorId</c> starts with it).
/// </summary>
public class MaasImagesException : Exception
{
    public MaasImagesException(string errorId, MaasErrorKind kind, string message, object? target = null, Exception? inner = null,
        MaasRemedy remedy = MaasRemedy.None)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
        Remedy = remedy;
    }

    public string ErrorId { get; }
    public MaasErrorKind Kind { get; }
    /// <summary>The URI, path or document the error is about.</summary>
    public object? Target { get; }
    /// <summary>What the caller can change to get past it; the cmdlet layer words it as a parameter.</summary>
    public MaasRemedy Remedy { get; init; }
}

/// <summary>The source could not be reached at all (DNS, refused connection, TLS, timeout).</summary>
public sealed class SourceUnreachableException(string message, object? target, Exception? inner = null)
    : MaasImagesException("SourceUnreachable", MaasErrorKind.ConnectionError, message, target, inner)
{
    /// <summary>Why, when it is a failure the user can act on (the cmdlet layer adds what to do).</summary>
    public ConnectionFailure Failure { get; init; }
}

/// <summary>The source answered, but there is no stream index there (404 / no such folder).</summary>
public sealed class StreamNotFoundException(string message, object? target, Exception? inner = null)
    : MaasImagesException("StreamNotFound", MaasErrorKind.ObjectNotFound, message, target, inner);

/// <summary>A document named by the index is missing (404 / no such file).</summary>
public sealed class DocumentNotFoundException(string message, object? target, Exception? inner = null)
    : MaasImagesException("DocumentNotFound", MaasErrorKind.ObjectNotFound, message, target, inner);

/// <summary>The server answered with an HTTP status that is neither success nor 404.</summary>
public sealed class HttpStatusException(int statusCode, string message, object? target)
    : MaasImagesException("HttpError", MaasErrorKind.ResourceUnavailable, message, target)
{
    public int StatusCode { get; } = statusCode;
}

/// <summary>A document is not what it claims: bad JSON, bad armor, missing fields.</summary>
public sealed class MalformedDocumentException(string message, object? target, Exception? inner = null)
    : MaasImagesException("MalformedDocument", MaasErrorKind.InvalidData, message, target, inner);

/// <summary>A document declares a format this version does not read.</summary>
public sealed class UnsupportedFormatException(string message, object? target)
    : MaasImagesException("UnsupportedDocumentFormat", MaasErrorKind.InvalidData, message, target);

/// <summary>An item carries a path but no usable size or sha256: it could never be verified.</summary>
public sealed class MissingChecksumException(string message, object? target)
    : MaasImagesException("MissingChecksum", MaasErrorKind.InvalidData, message, target);

/// <summary>A path in a document would escape the destination (absolute, <c>..</c>, backslash...).</summary>
public sealed class UnsafePathException(string message, object? target)
    : MaasImagesException("UnsafePath", MaasErrorKind.SecurityError, message, target);

/// <summary>A user-supplied argument (source, filter expression...) is invalid.</summary>
public sealed class InvalidArgumentException(string errorId, string message, object? target, Exception? inner = null)
    : MaasImagesException(errorId, MaasErrorKind.InvalidArgument, message, target, inner);
