using System.Net.Sockets;
using System.Security.Authentication;

namespace MaasImages.Engine.Errors;

/// <summary>Why a connection failed, for the failures a user can do something about.</summary>
public enum ConnectionFailure
{
    /// <summary>Anything else: the system's message says what.</summary>
    Other,
    /// <summary>The host name does not resolve: offline, or DNS does not know it.</summary>
    NameNotResolved,
    /// <summary>https:// to a server that does not speak TLS (most often a plain http:// port).</summary>
    NotTls,
    /// <summary>The server speaks TLS, but its certificate was not accepted.</summary>
    CertificateRejected,
    /// <summary>Nothing listens on that port.</summary>
    Refused,
}

/// <summary>
/// Puts an HttpClient failure in words a user can act on: which host, what happened, what to try.
/// The system's own text ("The SSL connection could not be established, see inner exception") is
/// kept in brackets for the details.
/// </summary>
internal static class ConnectionFailures
{
    public static ConnectionFailure Classify(HttpRequestException error)
    {
        var socket = Find<SocketException>(error);
        switch (error.HttpRequestError)
        {
            case HttpRequestError.NameResolutionError:
                return ConnectionFailure.NameNotResolved;
            case HttpRequestError.SecureConnectionError:
                return IsCertificateFailure(error) ? ConnectionFailure.CertificateRejected : ConnectionFailure.NotTls;
        }
        return socket?.SocketErrorCode switch
        {
            SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => ConnectionFailure.NameNotResolved,
            SocketError.ConnectionRefused => ConnectionFailure.Refused,
            _ when Find<AuthenticationException>(error) is not null =>
                IsCertificateFailure(error) ? ConnectionFailure.CertificateRejected : ConnectionFailure.NotTls,
            _ => ConnectionFailure.Other,
        };
    }

    /// <summary>What happened reaching <paramref name="uri"/>, and what to try; no trailing period.</summary>
    public static string Describe(Uri uri, HttpRequestException error)
    {
        var detail = Innermost(error);
        var endpoint = $"{uri.Host}:{uri.Port}";
        return Classify(error) switch
        {
            ConnectionFailure.NameNotResolved =>
                $"the host name '{uri.Host}' cannot be resolved ({detail}): this machine is offline, or its DNS does not know the name",
            ConnectionFailure.NotTls =>
                $"{endpoint} did not answer in TLS ({detail}): it looks like a plain HTTP server. Try http:// instead of https:// ({PlainHttp(uri)})",
            ConnectionFailure.CertificateRejected =>
                $"the TLS certificate of {endpoint} was not accepted ({detail})",
            ConnectionFailure.Refused =>
                $"nothing accepts connections on {endpoint} ({detail}): check the host and port, and that the server runs",
            _ => detail,
        };
    }

    private static string PlainHttp(Uri uri) => new UriBuilder(uri) { Scheme = Uri.UriSchemeHttp, Port = uri.Port }.Uri.AbsoluteUri;

    /// <summary>A certificate check failed, rather than the handshake itself (the only clue .NET gives is its message).</summary>
    private static bool IsCertificateFailure(Exception error) =>
        Chain(error).Any(e => e is AuthenticationException && e.Message.Contains("certificate", StringComparison.OrdinalIgnoreCase));

    /// <summary>The most specific message: the socket's or TLS layer's, not HttpClient's "see inner exception".</summary>
    private static string Innermost(Exception error) => Chain(error).Last().Message.TrimEnd('.');

    private static T? Find<T>(Exception error) where T : Exception => Chain(error).OfType<T>().FirstOrDefault();

    private static IEnumerable<Exception> Chain(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException) yield return e;
    }
}
