using MaasImages.Engine.Errors;

namespace MaasImages.Engine.Security;

/// <summary>A signature that fails, a signed body that does not parse, or a key outside the keyring.</summary>
public sealed class SignatureInvalidException(string document, string? keyId, string problem, Exception? inner = null)
    : MaasImagesException("SignatureInvalid", MaasErrorKind.SecurityError,
        $"Signature of '{document}' is not valid{(keyId is null ? "" : $" (key {keyId})")}: {problem} Nothing from this stream is used.",
        document, inner)
{
    public string? KeyId { get; } = keyId;
}

/// <summary>The stream is signed but no keyring was given or found.</summary>
public sealed class KeyringNotFoundException(string message, object? target)
    : MaasImagesException("KeyringNotFound", MaasErrorKind.ObjectNotFound, message, target);

/// <summary>The stream carries no signature and the user did not accept that (-SkipSignatureCheck).</summary>
public sealed class UnsignedStreamException(string message, object? target)
    : MaasImagesException("UnsignedStream", MaasErrorKind.SecurityError, message, target);
