using System.Net;
using System.Net.Http.Headers;
using System.Reflection;

namespace MaasImages.Engine.Transfer;

/// <summary>
/// The one HttpClient of a module session. SocketsHttpHandler pools connections; the system proxy
/// (HTTP(S)_PROXY / NO_PROXY) is honoured through <see cref="HttpClient.DefaultProxy"/>.
/// There is no total-request timeout: multi-GB bodies legitimately take long. Callers bound
/// metadata reads themselves, and connecting is bounded here.
/// </summary>
public static class HttpClientProvider
{
    private static readonly Lazy<HttpClient> SharedClient = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>How long establishing a TCP/TLS connection may take.</summary>
    public static TimeSpan ConnectTimeout { get; } = TimeSpan.FromSeconds(30);

    public static HttpClient Shared => SharedClient.Value;

    internal static string UserAgent { get; } =
        $"MaasImages/{typeof(HttpClientProvider).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0] ?? "0.0"}";

    private static HttpClient Create()
    {
        var handler = new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = ConnectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            UseProxy = true,
            AllowAutoRedirect = true,
            MaxAutomaticRedirections = 10,
        };
        var client = new HttpClient(handler, disposeHandler: true)
        {
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrHigher,
        };
        client.DefaultRequestHeaders.UserAgent.Add(ProductInfoHeaderValue.Parse(UserAgent));
        return client;
    }
}
