using System.Text;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using MaasImages.Engine.Errors;

namespace MaasImages.Engine.Publishing;

/// <summary>
/// A mirror in an Azure Blob Storage container (or under a prefix in it), through Azure.Storage.Blobs.
/// Credentials, in this order: a SAS in the URI; a connection string (its account key or SAS);
/// else DefaultAzureCredential (managed identity, workload identity, az CLI...).
/// Large files go up as blocks staged in parallel under ids derived from their content, so an
/// interrupted upload resumes with the blocks the service already holds; the blob changes only at
/// the final commit.
/// </summary>
public sealed class AzureBlobMirrorStore : IMirrorStore
{
    /// <summary>The blob metadata key holding the sha256 of the content (lower-case hex).</summary>
    public const string Sha256Key = "sha256";

    /// <summary>Azurite's (and the storage emulator's) well-known development account.</summary>
    private const string DevelopmentAccount = "devstoreaccount1";
    private const string DevelopmentKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly BlobContainerClient _container;
    private readonly string _prefix;
    private readonly Uri _publicContainer;

    /// <summary>Files up to this size go up in one request; larger ones in blocks.</summary>
    internal long SingleUploadLimit { get; set; } = 32L << 20;
    /// <summary>Block size of large files (raised for files that would need more than 50,000 blocks).</summary>
    internal long BlockSize { get; set; } = 16L << 20;
    /// <summary>Blocks of one file sent at once.</summary>
    internal int BlocksInParallel { get; set; } = 4;
    /// <summary>Test hook: called with the blob name after each block is staged.</summary>
    internal Action<string>? BlockStaged { get; set; }

    /// <summary>
    /// An account key may do anything, so a 403 it gets means the key itself was refused (Azurite
    /// answers AuthorizationFailure where Azure answers AuthenticationFailed).
    /// </summary>
    private readonly bool _sharedKey;

    private AzureBlobMirrorStore(BlobContainerClient container, string prefix, Uri publicContainer, bool sharedKey)
    {
        _sharedKey = sharedKey;
        _container = container;
        _prefix = prefix;
        _publicContainer = publicContainer;
    }

    public string Location => _prefix.Length == 0 ? _publicContainer.AbsoluteUri : $"{_publicContainer.AbsoluteUri}/{_prefix.TrimEnd('/')}";

    /// <summary>The environment variable the az CLI reads a connection string from.</summary>
    public const string ConnectionStringVariable = "AZURE_STORAGE_CONNECTION_STRING";

    /// <summary>
    /// The store for <paramref name="containerUri"/> (https://account.blob.core.windows.net/container[/prefix][?sas],
    /// or an emulator's http://127.0.0.1:port/account/container[/prefix]). Without
    /// <paramref name="connectionString"/>, AZURE_STORAGE_CONNECTION_STRING is read.
    /// </summary>
    public static AzureBlobMirrorStore Open(Uri containerUri, string? connectionString, TokenCredential? tokenCredential = null) =>
        Open(containerUri, connectionString, tokenCredential, transport: null);

    /// <summary>As <see cref="Open(Uri, string?, TokenCredential?)"/>, through <paramref name="transport"/> (tests watch the requests).</summary>
    internal static AzureBlobMirrorStore Open(Uri containerUri, string? connectionString, TokenCredential? tokenCredential, HttpPipelineTransport? transport)
    {
        if (!containerUri.IsAbsoluteUri || containerUri.Scheme is not ("https" or "http"))
            throw new InvalidArgumentException("InvalidContainerUri", $"'{containerUri}' is not an https:// container URL. Give https://<account>.blob.core.windows.net/<container>[/<prefix>].", containerUri);
        var parts = new BlobUriBuilder(containerUri);
        if (string.IsNullOrEmpty(parts.BlobContainerName))
            throw new InvalidArgumentException("InvalidContainerUri", $"'{containerUri}' names no container. Give https://<account>.blob.core.windows.net/<container>[/<prefix>].", containerUri);
        var prefix = string.IsNullOrEmpty(parts.BlobName) ? "" : parts.BlobName.Trim('/') + "/";
        var sas = parts.Sas?.ToString();
        var hasSas = !string.IsNullOrEmpty(sas) || containerUri.Query.Contains("sig=", StringComparison.OrdinalIgnoreCase);
        parts.BlobName = "";
        parts.Sas = null;
        parts.Query = "";
        var container = parts.ToUri();
        var options = new BlobClientOptions();
        options.Retry.MaxRetries = 4;
        options.Retry.NetworkTimeout = TimeSpan.FromMinutes(5);
        if (transport is not null) options.Transport = transport;

        var origin = "The connection string";
        if (string.IsNullOrWhiteSpace(connectionString) && Environment.GetEnvironmentVariable(ConnectionStringVariable) is { } fromEnvironment && !string.IsNullOrWhiteSpace(fromEnvironment))
        {
            connectionString = fromEnvironment;
            origin = $"The connection string in {ConnectionStringVariable}";
        }

        BlobContainerClient client;
        var sharedKey = false;
        if (hasSas)
            client = new BlobContainerClient(new Uri(container + containerUri.Query), options);
        else if (!string.IsNullOrWhiteSpace(connectionString))
            (client, sharedKey) = FromConnectionString(container, connectionString, origin, options);
        else if (container.Scheme != "https")
            // The SDK never sends a token over plain http; say so before anything is read.
            throw new InvalidArgumentException("InvalidContainerUri",
                $"'{container}' is http://, and signing in with an Azure identity (DefaultAzureCredential) needs https://. Use the https:// URL, or give a connection string or a SAS in the URI (as for the Azurite emulator).",
                containerUri);
        else
            client = new BlobContainerClient(container, tokenCredential ?? new DefaultAzureCredential(), options);
        return new AzureBlobMirrorStore(client, prefix, container, sharedKey);
    }

    /// <summary>The account key (or SAS) of a connection string, used against the URL the user gave.</summary>
    private static (BlobContainerClient Client, bool SharedKey) FromConnectionString(Uri container, string connectionString, string origin, BlobClientOptions options)
    {
        var settings = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(pair => pair.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .GroupBy(pair => pair[0], StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Last()[1], StringComparer.OrdinalIgnoreCase);
        if (settings.TryGetValue("UseDevelopmentStorage", out var development) && development.Equals("true", StringComparison.OrdinalIgnoreCase))
            return (new BlobContainerClient(container, new StorageSharedKeyCredential(DevelopmentAccount, DevelopmentKey), options), true);
        if (settings.TryGetValue("AccountName", out var account) && settings.TryGetValue("AccountKey", out var key))
        {
            try
            {
                return (new BlobContainerClient(container, new StorageSharedKeyCredential(account, key), options), true);
            }
            catch (FormatException e)
            {
                throw new InvalidArgumentException("InvalidConnectionString",
                    $"{origin} has an AccountKey that is not base64 (a key is 88 characters ending in '=='). Copy it again from the storage account's 'Access keys' page.",
                    container, e);
            }
        }
        if (settings.TryGetValue("SharedAccessSignature", out var signature))
            return (new BlobContainerClient(container, new AzureSasCredential(signature), options), false);
        throw new InvalidArgumentException("InvalidConnectionString",
            $"{origin} has neither AccountName and AccountKey nor SharedAccessSignature (nor UseDevelopmentStorage=true). Copy it from the storage account's 'Access keys' page, or leave it out to sign in with DefaultAzureCredential.",
            container);
    }

    public Uri UrlOf(string name) => new BlobUriBuilder(_publicContainer) { BlobName = _prefix + name }.ToUri();

    public async Task<IReadOnlyDictionary<string, StoredObject>?> ListAsync(CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, StoredObject>(StringComparer.Ordinal);
        try
        {
            await foreach (var blob in _container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, _prefix.Length == 0 ? null : _prefix, cancellationToken).ConfigureAwait(false))
            {
                var name = blob.Name[_prefix.Length..];
                var sha256 = blob.Metadata is { } metadata && metadata.TryGetValue(Sha256Key, out var value) ? value : null;
                found[name] = new StoredObject(name, blob.Properties.ContentLength ?? -1, sha256);
            }
        }
        catch (RequestFailedException e) when (e.Status == 404 && e.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            return null;
        }
        catch (Exception e) when (Translate(e, "list the blobs") is { } error)
        {
            throw error;
        }
        return found;
    }

    public async Task CreateContainerAsync(bool publicRead, CancellationToken cancellationToken)
    {
        try
        {
            await _container.CreateIfNotExistsAsync(publicRead ? PublicAccessType.Blob : PublicAccessType.None, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 403 or 404 && e.ErrorCode != BlobErrorCode.AuthenticationFailed && !_sharedKey)
        {
            throw new ContainerNotFoundException(Location, $"creating it was refused ({e.Status} {e.ErrorCode})", e);
        }
        catch (Exception e) when (Translate(e, "create the container") is { } error)
        {
            throw error;
        }
    }

    public async Task<bool?> IsPublicReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            var properties = await _container.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return properties.Value.PublicAccess is { } access && access != PublicAccessType.None;
        }
        catch (RequestFailedException e) when (e.Status == 403 && e.ErrorCode != BlobErrorCode.AuthenticationFailed && !_sharedKey)
        {
            return null; // a SAS or role that may write blobs need not be allowed to read the container's properties
        }
        catch (Exception e) when (Translate(e, "read the container's access level") is { } error)
        {
            throw error;
        }
    }

    public async Task<long> UploadAsync(LocalObject file, Action<long> bytesSent, CancellationToken cancellationToken)
    {
        var blob = _container.GetBlockBlobClient(_prefix + file.Name);
        var headers = new BlobHttpHeaders { ContentType = file.ContentType, CacheControl = file.CacheControl };
        var metadata = new Dictionary<string, string> { [Sha256Key] = file.Sha256 };
        try
        {
            if (file.Size <= SingleUploadLimit)
            {
                await using var content = new FileStream(file.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
                long reported = 0;
                await blob.UploadAsync(content, new BlobUploadOptions
                {
                    HttpHeaders = headers,
                    Metadata = metadata,
                    ProgressHandler = new Progress(total => bytesSent(total - Interlocked.Exchange(ref reported, total))),
                    TransferOptions = new StorageTransferOptions { InitialTransferSize = SingleUploadLimit, MaximumTransferSize = SingleUploadLimit },
                }, cancellationToken).ConfigureAwait(false);
                var rest = file.Size - Interlocked.Exchange(ref reported, file.Size);
                if (rest > 0) bytesSent(rest);
                return file.Size;
            }
            return await UploadBlocksAsync(blob, file, headers, metadata, bytesSent, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (Translate(e, $"upload '{file.Name}'") is { } error)
        {
            throw error;
        }
    }

    /// <summary>
    /// Stages the blocks the service does not hold yet (their ids name the file's sha256 and the
    /// block's place, so a block of other content is never reused), then commits the list.
    /// </summary>
    private async Task<long> UploadBlocksAsync(BlockBlobClient blob, LocalObject file, BlobHttpHeaders headers, Dictionary<string, string> metadata,
        Action<long> bytesSent, CancellationToken cancellationToken)
    {
        var blockSize = Math.Max(BlockSize, (file.Size + 49_999) / 50_000);
        var count = (int)((file.Size + blockSize - 1) / blockSize);
        var ids = Enumerable.Range(0, count)
            .Select(i => Convert.ToBase64String(Encoding.ASCII.GetBytes($"maasimages-{file.Sha256[..32]}-{i:D6}")))
            .ToArray();
        var staged = new Dictionary<string, long>(StringComparer.Ordinal);
        try
        {
            var list = await blob.GetBlockListAsync(BlockListTypes.Uncommitted, cancellationToken: cancellationToken).ConfigureAwait(false);
            foreach (var block in list.Value.UncommittedBlocks) staged[block.Name] = block.SizeLong;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // No blob and no staged blocks yet.
        }

        long sent = 0;
        using var handle = File.OpenHandle(file.Path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = BlocksInParallel, CancellationToken = cancellationToken },
            async (index, token) =>
            {
                var offset = index * blockSize;
                var length = (int)Math.Min(blockSize, file.Size - offset);
                if (staged.TryGetValue(ids[index], out var size) && size == length)
                {
                    bytesSent(0);
                    return; // staged by an interrupted run
                }
                var buffer = new byte[length];
                var read = 0;
                while (read < length)
                {
                    var n = await RandomAccess.ReadAsync(handle, buffer.AsMemory(read), offset + read, token).ConfigureAwait(false);
                    if (n == 0) throw new IOException($"'{file.Path}' became shorter while it was uploaded.");
                    read += n;
                }
                using var content = new MemoryStream(buffer, writable: false);
                await blob.StageBlockAsync(ids[index], content, new BlockBlobStageBlockOptions
                {
                    TransferValidation = new UploadTransferValidationOptions { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5 },
                }, token).ConfigureAwait(false);
                Interlocked.Add(ref sent, length);
                bytesSent(length);
                BlockStaged?.Invoke(file.Name);
            }).ConfigureAwait(false);

        await blob.CommitBlockListAsync(ids, new CommitBlockListOptions { HttpHeaders = headers, Metadata = metadata }, cancellationToken).ConfigureAwait(false);
        return sent;
    }

    public async Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            await _container.GetBlobClient(_prefix + name).DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (Translate(e, $"delete '{name}'") is { } error)
        {
            throw error;
        }
    }

    /// <summary>The service's and the SDK's failures as errors with stable ids and what to do next.</summary>
    private MaasImagesException? Translate(Exception e, string what) => e switch
    {
        MaasImagesException => null,
        OperationCanceledException => null,
        AuthenticationFailedException identity => StorageAuthenticationFailedException.NoIdentity(Location, FirstLine(identity.Message), e),
        RequestFailedException { Status: 403 } r when r.ErrorCode == BlobErrorCode.AuthenticationFailed || (_sharedKey && r.ErrorCode == BlobErrorCode.AuthorizationFailure) =>
            new StorageAuthenticationFailedException(Location, $"the signature of the request to {what} was not accepted (403 AuthenticationFailed)", e),
        RequestFailedException { Status: 403 } r => new StorageAuthorizationFailedException(Location, $"not allowed to {what} (403 {r.ErrorCode})", e),
        RequestFailedException { Status: 404 } r when r.ErrorCode == BlobErrorCode.ContainerNotFound =>
            new ContainerNotFoundException(Location, $"it disappeared while this command ran ({what})", e),
        RequestFailedException { Status: 0 } => new StorageRequestFailedException("StorageUnreachable", Location, $"could not reach the storage endpoint to {what} ({FirstLine(e.Message)})", e),
        RequestFailedException r => new StorageRequestFailedException("StorageRequestFailed", Location, $"could not {what}: {r.Status} {r.ErrorCode}", e),
        // The SDK's retries end in one exception per attempt: the last one says how it ended.
        AggregateException { InnerExceptions: [.., var last] } => Translate(last, what),
        HttpRequestException => new StorageRequestFailedException("StorageUnreachable", Location, $"could not reach the storage endpoint to {what} ({FirstLine(e.Message)})", e),
        _ => null,
    };

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    private sealed class Progress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
