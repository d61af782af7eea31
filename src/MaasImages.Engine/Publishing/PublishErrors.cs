using MaasImages.Engine.Errors;

namespace MaasImages.Engine.Publishing;

/// <summary>The storage service refused the credential (wrong key, expired or malformed SAS), or no Azure identity could sign in.</summary>
public sealed class StorageAuthenticationFailedException : MaasImagesException
{
    public StorageAuthenticationFailedException(string target, string reason, Exception? inner = null)
        : this(inner, target, $"'{target}' refused the credential: {reason}. Nothing was changed there. Check the account key of the connection string " +
            "(given to this command, or AZURE_STORAGE_CONNECTION_STRING), the SAS in the URI (signature, expiry), or sign in (az login / azure/login) for DefaultAzureCredential.")
    {
    }

    private StorageAuthenticationFailedException(Exception? inner, string target, string message)
        : base("AuthenticationFailed", MaasErrorKind.SecurityError, message, target, inner)
    {
    }

    /// <summary>No SAS, no connection string, and DefaultAzureCredential found no identity to sign in with.</summary>
    public static StorageAuthenticationFailedException NoIdentity(string target, string detail, Exception? inner) =>
        new(inner, target, $"No credential for '{target}': no SAS in the URI, no connection string, and no Azure identity could sign in ({detail}). Nothing was changed there. " +
            "Sign in with 'az login' (or azure/login on GitHub Actions, a service connection on Azure Pipelines), run where a managed identity or workload identity is assigned, " +
            "or give a connection string (or AZURE_STORAGE_CONNECTION_STRING) or a SAS in the container URI.");
}

/// <summary>The credential is valid but may not do what publishing needs (list, write, delete, create the container).</summary>
public sealed class StorageAuthorizationFailedException(string target, string reason, Exception? inner = null)
    : MaasImagesException("AuthorizationFailed", MaasErrorKind.PermissionDenied,
        $"'{target}' refused the operation: {reason}. Grant the identity the 'Storage Blob Data Contributor' role on the container, " +
        "or use a SAS with read, add, create, write, list (and delete, to prune) permissions.",
        target, inner);

/// <summary>The container does not exist and could not be created.</summary>
public sealed class ContainerNotFoundException(string target, string reason, Exception? inner = null)
    : MaasImagesException("ContainerNotFound", MaasErrorKind.ObjectNotFound,
        $"The container of '{target}' does not exist and was not created: {reason}. Create it (az storage container create), " +
        "or publish with a credential that may create containers (a connection string or an account-level SAS).",
        target, inner);

/// <summary>The storage endpoint could not be reached, or answered with an error other than the ones above.</summary>
public sealed class StorageRequestFailedException(string errorId, string target, string reason, Exception? inner = null)
    : MaasImagesException(errorId, errorId == "StorageUnreachable" ? MaasErrorKind.ConnectionError : MaasErrorKind.ResourceUnavailable,
        $"Publishing to '{target}' failed: {reason}. Objects already uploaded stay (the index is published last, so readers still see the previous mirror); " +
        "run the same command again to upload only what is missing.",
        target, inner);

/// <summary>The folder is not a mirror: no streams/v1/index.json or index.sjson.</summary>
public sealed class MirrorNotFoundException(string path)
    : MaasImagesException("MirrorNotFound", MaasErrorKind.ObjectNotFound,
        $"'{path}' is not a mirror: it has no streams/v1/index.sjson or index.json. Give the root of a mirror (the folder holding 'streams') that a save in the mirror layout wrote.",
        path);
