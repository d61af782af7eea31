using System.Net;
using MaasImages.Engine.Errors;

namespace MaasImages.Engine.Streams;

/// <summary>
/// Reads whole metadata documents (index, products) from a stream source, local or remote, and
/// turns every failure into a typed error naming the document.
/// </summary>
internal static class DocumentFetcher
{
    /// <summary>A metadata document bigger than this is not a simplestreams document.</summary>
    internal const long MaxDocumentBytes = 1L << 30;

    /// <summary>Bound for one metadata read: real products documents are tens of MB.</summary>
    internal static TimeSpan MetadataTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Reads a document, or returns null when it does not exist (404 / no such file).</summary>
    public static async Task<byte[]?> TryReadAsync(Uri uri, CancellationToken cancellationToken)
    {
        return uri.IsFile
            ? await ReadFileAsync(uri, cancellationToken).ConfigureAwait(false)
            : await ReadHttpAsync(uri, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<byte[]?> ReadFileAsync(Uri uri, CancellationToken cancellationToken)
    {
        var path = uri.LocalPath;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) return null;
            if (info.Length > MaxDocumentBytes)
                throw new MalformedDocumentException($"'{path}' is {info.Length} bytes: too large for a stream document.", path);
            return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DirectoryNotFoundException or FileNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SourceUnreachableException($"Cannot read '{path}': {e.Message}", path, e);
        }
    }

    private static async Task<byte[]?> ReadHttpAsync(Uri uri, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(MetadataTimeout);
        try
        {
            using var response = await HttpClientProvider.Current
                .GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone) return null;
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpStatusException((int)response.StatusCode,
                    $"'{uri}' answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}.", uri);
            }
            if (response.Content.Headers.ContentLength > MaxDocumentBytes)
                throw new MalformedDocumentException($"'{uri}' is {response.Content.Headers.ContentLength} bytes: too large for a stream document.", uri);
            return await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SourceUnreachableException($"Reading '{uri}' timed out after {MetadataTimeout.TotalSeconds:0} s.", uri, e);
        }
        catch (HttpRequestException e)
        {
            throw new SourceUnreachableException($"Cannot reach '{uri}': {ConnectionFailures.Describe(uri, e)}.", uri, e)
            {
                Failure = ConnectionFailures.Classify(e),
            };
        }
    }
}
