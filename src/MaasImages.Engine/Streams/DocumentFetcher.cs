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
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        try
        {
            using var response = await HttpClientProvider.Current
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone) return null;
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpStatusException((int)response.StatusCode,
                    $"{Where(uri, response.RequestMessage ?? request)} answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}.", uri);
            }
            if (response.Content.Headers.ContentLength > MaxDocumentBytes)
                throw new MalformedDocumentException($"{Where(uri, request)} is {response.Content.Headers.ContentLength} bytes: too large for a stream document.", uri);
            return await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SourceUnreachableException($"Reading {Where(uri, request)} timed out after {MetadataTimeout.TotalSeconds:0} s.", uri, e);
        }
        catch (HttpRequestException e)
        {
            // After a redirect the request names the host that failed, which is the one to describe.
            var target = Target(uri, request);
            throw new SourceUnreachableException($"Cannot reach {Where(uri, request)}: {ConnectionFailures.Describe(target, e)}.", uri, e)
            {
                Failure = ConnectionFailures.Classify(e),
            };
        }
    }

    /// <summary>Where the request ended up: the URL asked for, or the one a redirect led to.</summary>
    private static Uri Target(Uri asked, HttpRequestMessage request) => request.RequestUri is { IsAbsoluteUri: true } final ? final : asked;

    /// <summary>The document's URL, and where the server redirected when that is elsewhere.</summary>
    private static string Where(Uri asked, HttpRequestMessage request) =>
        Target(asked, request) is var target && target != asked ? $"'{asked}' (redirected to '{target}')" : $"'{asked}'";
}
