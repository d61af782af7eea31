using System.Net;
using System.Net.Http.Headers;
using System.Reflection;

namespace MaasImages.Engine.Http;

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

    private static readonly AsyncLocal<HttpClient?> Ambient = new();

    /// <summary>The client for metadata reads here: the one set by <see cref="Use"/> in this async flow, else <see cref="Shared"/>.</summary>
    public static HttpClient Current => Ambient.Value ?? Shared;

    /// <summary>
    /// Makes <paramref name="client"/> the one metadata reads use for the rest of the calling async
    /// method and what it awaits (a command's -Proxy), without threading it through every reader.
    /// </summary>
    public static void Use(HttpClient client) => Ambient.Value = client;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(Uri, string?, string?, string?), HttpClient> ProxiedClients = new();

    /// <summary>
    /// The client for an explicit proxy (-Proxy/-ProxyCredential); one per proxy and credential for
    /// the session. The password is part of the key: a run again with a corrected password must not
    /// get the client that keeps sending the first one.
    /// </summary>
    public static HttpClient ForProxy(Uri? proxy, NetworkCredential? credential)
    {
        if (proxy is null) return Shared;
        return ProxiedClients.GetOrAdd((proxy, credential?.UserName, credential?.Password, credential?.Domain),
            _ => Create(new WebProxy(proxy) { Credentials = credential }));
    }

    internal static string UserAgent { get; } =
        $"MaasImages/{typeof(HttpClientProvider).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0] ?? "0.0"}";

    private static HttpClient Create() => Create(null);

    private static HttpClient Create(IWebProxy? proxy)
    {
        var handler = new SocketsHttpHandler
        {
            Proxy = proxy,
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
