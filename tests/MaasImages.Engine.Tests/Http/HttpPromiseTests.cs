using System.Net;
using System.Net.Sockets;
using System.Text;
using MaasImages.Engine.Http;

namespace MaasImages.Engine.Tests.Http;

/// <summary>
/// "-Proxy and -ProxyCredential … one connection pool per proxy is kept for the session": a loopback
/// proxy that wants Basic credentials. The same proxy and credential give the same client; a
/// corrected password in the same session is used, not the first one typed.
/// </summary>
public sealed class HttpPromiseTests : IAsyncLifetime
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private Task _serving = Task.CompletedTask;

    public Task InitializeAsync()
    {
        _listener.Start();
        _serving = ServeAsync(_stop.Token);
        return Task.CompletedTask;
    }

    private Uri Proxy => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    private static readonly string Expected = "Basic " + Convert.ToBase64String(Encoding.ASCII.GetBytes("operator:right"));

    [Fact]
    public async Task A_corrected_password_is_used_in_the_same_session()
    {
        var wrong = HttpClientProvider.ForProxy(Proxy, new NetworkCredential("operator", "wrong"));
        using (var refused = await wrong.GetAsync(new Uri("http://maas-mirror.invalid/streams/v1/index.json")))
            Assert.Equal(HttpStatusCode.ProxyAuthenticationRequired, refused.StatusCode);

        var right = HttpClientProvider.ForProxy(Proxy, new NetworkCredential("operator", "right"));
        using var accepted = await right.GetAsync(new Uri("http://maas-mirror.invalid/streams/v1/index.json"));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("through the proxy", await accepted.Content.ReadAsStringAsync());
    }

    [Fact]
    public void One_client_per_proxy_and_credential_for_the_session()
    {
        Assert.Same(HttpClientProvider.ForProxy(Proxy, new NetworkCredential("operator", "right")),
            HttpClientProvider.ForProxy(Proxy, new NetworkCredential("operator", "right")));
        Assert.Same(HttpClientProvider.ForProxy(Proxy, null), HttpClientProvider.ForProxy(Proxy, null));
        Assert.NotSame(HttpClientProvider.ForProxy(Proxy, null), HttpClientProvider.ForProxy(Proxy, new NetworkCredential("operator", "right")));
        Assert.Same(HttpClientProvider.Shared, HttpClientProvider.ForProxy(null, null));
    }

    /// <summary>One request per connection: 407 asking for Basic unless Proxy-Authorization is operator:right.</summary>
    private async Task ServeAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                using var client = await _listener.AcceptTcpClientAsync(cancellationToken);
                var stream = client.GetStream();
                var head = new StringBuilder();
                var buffer = new byte[4096];
                while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var read = await stream.ReadAsync(buffer, cancellationToken);
                    if (read == 0) break;
                    head.Append(Encoding.ASCII.GetString(buffer, 0, read));
                }
                var authorized = head.ToString().Split("\r\n").Any(line =>
                    line.StartsWith("Proxy-Authorization:", StringComparison.OrdinalIgnoreCase) && line["Proxy-Authorization:".Length..].Trim() == Expected);
                const string body = "through the proxy";
                var response = authorized
                    ? $"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"
                    : "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"proxy\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(response), cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try { await _serving; } catch (ObjectDisposedException) { } catch (SocketException) { }
        _stop.Dispose();
    }
}
