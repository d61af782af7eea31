using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MaasImages.TestServer;

/// <summary>
/// A real HTTP server (Kestrel on 127.0.0.1) serving a folder, typically a simplestreams tree, with switchable
/// faults. Start one per test (or per class) and dispose it when done.
/// </summary>
public sealed class StreamServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RequestLog _log;
    private int _disposed;

    private StreamServer(WebApplication app, Uri baseUri, FaultPlan faults, RequestLog log)
    {
        _app = app;
        BaseUri = baseUri;
        Faults = faults;
        _log = log;
    }

    /// <summary>The root URL, with a trailing slash, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseUri { get; }

    /// <summary>The faults to apply; thread-safe and changeable while the server runs.</summary>
    public FaultPlan Faults { get; }

    /// <summary>A snapshot of the file requests received since start or the last <see cref="ResetCounters"/>.</summary>
    public IReadOnlyList<RequestRecord> Requests => _log.Snapshot();

    /// <summary>Body bytes written since start or the last <see cref="ResetCounters"/>.</summary>
    public long BytesSent => _log.BytesSent;

    /// <summary>Serve <paramref name="rootFolder"/> on a random loopback port.</summary>
    public static Task<StreamServer> StartAsync(string rootFolder, CancellationToken cancellationToken = default) =>
        StartAsync(rootFolder, port: 0, onRequest: null, cancellationToken);

    /// <param name="onRequest">Called when each file request ends (the standalone host logs with it).</param>
    internal static async Task<StreamServer> StartAsync(
        string rootFolder, int port, Action<RequestRecord>? onRequest, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootFolder);
        string root = Path.GetFullPath(rootFolder);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"Stream root not found: {root}");
        }

        // The empty builder brings no configuration files, environment overrides or logging providers: no console
        // noise and no file watchers in test runs.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Throttle and Stall are deliberately slow; Kestrel must not cut them off as too-slow clients.
            kestrel.Limits.MinResponseDataRate = null;
            kestrel.Listen(IPAddress.Loopback, port);
        });
        // The default console lifetime would hook Ctrl+C/SIGTERM of the whole (test) process; the standalone
        // Program handles those itself.
        builder.Services.AddSingleton<IHostLifetime>(new PassiveLifetime());

        var app = builder.Build();
        var faults = new FaultPlan();
        var log = new RequestLog();
        var files = new FileResponder(root, faults);
        var control = new ControlEndpoints(faults, log);
        var stopping = app.Lifetime.ApplicationStopping;

        app.Run(async context =>
        {
            if (context.Request.Path.StartsWithSegments(ControlEndpoints.Prefix))
            {
                await control.HandleAsync(context);
                return;
            }

            var entry = log.Begin(context.Request);
            context.Response.OnStarting(() =>
            {
                entry.Status = context.Response.StatusCode;
                return Task.CompletedTask;
            });

            // Stalls and throttles end when the client goes away or the server stops, not when they time out.
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
            try
            {
                await files.RespondAsync(context, entry, cancel.Token);
            }
            catch (Exception) when (cancel.IsCancellationRequested)
            {
                // The client left or the server is stopping: nothing to answer.
            }
            finally
            {
                // Bodiless answers only start after this delegate returns; their status is final by now.
                entry.Status = context.Response.StatusCode;
                onRequest?.Invoke(entry.ToRecord());
            }
        });

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        string address = app.Services.GetRequiredService<IServer>().Features
            .GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new StreamServer(app, new Uri(address.TrimEnd('/') + "/"), faults, log);
    }

    /// <summary>Forget recorded requests and zero <see cref="BytesSent"/>.</summary>
    public void ResetCounters() => _log.Reset();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Stopping cancels stalls at once; the timeout only bounds a client that will not let go.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }

    private sealed class PassiveLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
