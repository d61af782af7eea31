using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Azure.Core.Pipeline;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace MaasImages.PowerShell.Tests;

/// <summary>
/// Publish-MaasMirror with no SAS and no connection string signs in through DefaultAzureCredential,
/// for real: a child pwsh whose environment points the managed identity (the App Service protocol,
/// IDENTITY_ENDPOINT and IDENTITY_HEADER) at a token endpoint on loopback, publishing to Azurite
/// over HTTPS with OAuth (--oauth basic checks the token's audience, issuer and lifetime). The
/// child trusts the test's own certificate authority through SSL_CERT_FILE; nothing of this
/// process's environment changes.
/// </summary>
public sealed class PublishIdentityTests : IAsyncLifetime
{
    private readonly string _workspace = Path.Combine(Path.GetTempPath(), "maasimages-identity-" + Guid.NewGuid().ToString("N"));
    private readonly HttpListener _identity = new();
    private readonly List<(string Query, string? Header)> _tokenRequests = [];
    private X509Certificate2 _server = null!;
    private string _authority = null!;
    private Process? _azurite;
    private Uri _account = null!;
    private Uri _identityEndpoint = null!;

    public async Task InitializeAsync()
    {
        if (AzuriteServer.Unavailable is not null) return;
        Directory.CreateDirectory(_workspace);
        (_authority, _server) = WriteCertificates(_workspace);
        _account = await StartAzuriteAsync();
        _identityEndpoint = StartIdentityEndpoint();
    }

    public Task DisposeAsync()
    {
        if (_azurite is { HasExited: false }) _azurite.Kill(entireProcessTree: true);
        _azurite?.WaitForExit();
        _azurite?.Dispose();
        if (_identity.IsListening) _identity.Stop();
        _identity.Close();
        _server?.Dispose();
        if (Directory.Exists(_workspace)) Directory.Delete(_workspace, recursive: true);
        return Task.CompletedTask;
    }

    [BuiltModuleAzuriteFact]
    public async Task A_managed_identity_token_from_DefaultAzureCredential_publishes_over_https()
    {
        var mirror = Path.Combine(_workspace, "mirror");
        Directory.CreateDirectory(Path.Combine(mirror, "streams", "v1"));
        File.WriteAllText(Path.Combine(mirror, "streams", "v1", "index.json"), "{}");
        File.WriteAllText(Path.Combine(mirror, "payload.img"), "payload");

        var (exitCode, output) = await RunChildPublishAsync(mirror, new Uri($"{_account.AbsoluteUri}/maas/stable"));
        Assert.True(exitCode == 0, output);
        Assert.Contains("Uploaded payload.img", output);
        Assert.Contains("Uploaded streams/v1/index.json", output);

        // The token came from the managed identity endpoint, asked the App Service way for storage.
        var (query, header) = Assert.Single(_tokenRequests);
        Assert.Contains("resource=https://storage.azure.com", Uri.UnescapeDataString(query));
        Assert.Equal("identity-header-of-this-test", header);

        var container = new BlobContainerClient(new Uri($"{_account.AbsoluteUri}/maas"), new StorageSharedKeyCredential(AzuriteServer.Account, AzuriteServer.AccountKey),
            new BlobClientOptions { Transport = new HttpClientTransport(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Thumbprint == _server.Thumbprint }) });
        Assert.Equal("payload", (await container.GetBlobClient("stable/payload.img").DownloadContentAsync()).Value.Content.ToString());
        Assert.Equal(PublicAccessType.None, (await container.GetPropertiesAsync()).Value.PublicAccess ?? PublicAccessType.None);
    }

    /// <summary>Publish-MaasMirror -PassThru in a child pwsh (the repository's tool) with only the managed identity to sign in with.</summary>
    private async Task<(int ExitCode, string Output)> RunChildPublishAsync(string mirror, Uri container)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = PowerShellSession.RepoRoot, // where the tool manifest names pwsh
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var script = "Import-Module $env:IDENTITYTEST_MODULE; " +
            "try { Publish-MaasMirror -Path $env:IDENTITYTEST_MIRROR -ContainerUri $env:IDENTITYTEST_URI -PassThru -ErrorAction Stop | ForEach-Object { \"$($_.Action) $($_.Name)\" } } " +
            "catch { $_.FullyQualifiedErrorId; $_.Exception.Message; exit 1 }";
        foreach (var argument in new[] { "tool", "run", "pwsh", "--", "-NoProfile", "-NonInteractive", "-Command", script }) start.ArgumentList.Add(argument);
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("AZURE_", StringComparison.Ordinal) || k.StartsWith("IDENTITY_", StringComparison.Ordinal) || k.StartsWith("MSI_", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(name);
        start.Environment["IDENTITY_ENDPOINT"] = _identityEndpoint.AbsoluteUri;
        start.Environment["IDENTITY_HEADER"] = "identity-header-of-this-test";
        start.Environment["SSL_CERT_FILE"] = _authority; // the child trusts the test's authority (and nothing else: it talks only to loopback)
        start.Environment["IDENTITYTEST_MODULE"] = BuiltModuleAzuriteFactAttribute.Manifest;
        start.Environment["IDENTITYTEST_MIRROR"] = mirror;
        start.Environment["IDENTITYTEST_URI"] = container.AbsoluteUri;
        using var child = Process.Start(start)!;
        var error = child.StandardError.ReadToEndAsync();
        var output = await child.StandardOutput.ReadToEndAsync();
        await child.WaitForExitAsync();
        return (child.ExitCode, output + await error);
    }

    /// <summary>A certificate authority (PEM, for the child's SSL_CERT_FILE) and the 127.0.0.1 server certificate it signed (PEM files for Azurite).</summary>
    private static (string AuthorityPem, X509Certificate2 Server) WriteCertificates(string folder)
    {
        using var authorityKey = RSA.Create(2048);
        var authorityRequest = new CertificateRequest("CN=MaasImages test authority", authorityKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        authorityRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        authorityRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var authority = authorityRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));

        var serverKey = RSA.Create(2048);
        var serverRequest = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var signed = serverRequest.Create(authority, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), RandomNumberGenerator.GetBytes(16));
        var server = signed.CopyWithPrivateKey(serverKey);

        var authorityPem = Path.Combine(folder, "authority.pem");
        File.WriteAllText(authorityPem, authority.ExportCertificatePem());
        File.WriteAllText(Path.Combine(folder, "server.pem"), server.ExportCertificatePem());
        File.WriteAllText(Path.Combine(folder, "server.key"), serverKey.ExportPkcs8PrivateKeyPem());
        return (authorityPem, server);
    }

    /// <summary>Azurite's blob service over HTTPS with the server certificate, checking bearer tokens (--oauth basic).</summary>
    private async Task<Uri> StartAzuriteAsync()
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { AzuriteServer.MainScript, "--blobHost", "127.0.0.1", "--blobPort", "0", "--location", Path.Combine(_workspace, "azurite"),
            "--cert", Path.Combine(_workspace, "server.pem"), "--key", Path.Combine(_workspace, "server.key"), "--oauth", "basic",
            "--skipApiVersionCheck", "--disableTelemetry", "--loose" })
            start.ArgumentList.Add(argument);
        _azurite = Process.Start(start)!;
        _ = _azurite.StandardError.ReadToEndAsync();
        // Waits for the line with the port, not for a time (the deadline only turns a hang into a failure).
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (await _azurite.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
        {
            var at = line.IndexOf("listens on https://127.0.0.1:", StringComparison.Ordinal);
            if (at < 0) continue;
            var account = new Uri(line[(at + "listens on ".Length)..].Trim() + "/" + AzuriteServer.Account);
            _ = DrainAsync(_azurite.StandardOutput);
            return account;
        }
        throw new InvalidOperationException($"Azurite exited (code {(_azurite.HasExited ? _azurite.ExitCode : -1)}) before listening over https.");
    }

    private static async Task DrainAsync(StreamReader output)
    {
        while (await output.ReadLineAsync() is not null)
        {
        }
    }

    /// <summary>
    /// A managed identity endpoint as App Service offers it: a token whose audience, issuer and
    /// lifetime Azurite's basic OAuth check accepts (it does not check signatures).
    /// </summary>
    private Uri StartIdentityEndpoint()
    {
        // HttpListener takes no port 0: a free one is picked, and picked again should another server take it first.
        for (var attempt = 0; ; attempt++)
        {
            var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var prefix = $"http://127.0.0.1:{port}/";
            _identity.Prefixes.Clear();
            _identity.Prefixes.Add(prefix);
            try
            {
                _identity.Start();
            }
            catch (HttpListenerException) when (attempt < 10)
            {
                continue;
            }
            _ = ServeTokensAsync();
            return new Uri(prefix + "msi/token");
        }
    }

    private async Task ServeTokensAsync()
    {
        while (_identity.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _identity.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }
            lock (_tokenRequests) _tokenRequests.Add((context.Request.Url?.Query ?? "", context.Request.Headers["X-IDENTITY-HEADER"]));
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            const string tenant = "11111111-2222-3333-4444-555555555555";
            var token = $"{Base64Url(new { alg = "none", typ = "JWT" })}.{Base64Url(new { aud = "https://storage.azure.com", iss = $"https://sts.windows.net/{tenant}/", nbf = now - 60, iat = now - 60, exp = now + 3600, tid = tenant, oid = Guid.Empty })}.c2lnbmF0dXJl";
            var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>
            {
                ["access_token"] = token,
                ["expires_on"] = (now + 3600).ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["resource"] = "https://storage.azure.com",
                ["token_type"] = "Bearer",
            });
            context.Response.ContentType = "application/json";
            context.Response.ContentLength64 = body.Length;
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }

    private static string Base64Url(object value) =>
        Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(value)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>A test of the built module (./build.ps1 -Task Build, out/MaasImages) in a child pwsh against Azurite; skipped, with the reason, without either.</summary>
public sealed class BuiltModuleAzuriteFactAttribute : FactAttribute
{
    public static string Manifest => Path.Combine(PowerShellSession.RepoRoot, "out", "MaasImages", "MaasImages.psd1");

    public BuiltModuleAzuriteFactAttribute()
    {
        if (AzuriteServer.Unavailable is { } reason) Skip = reason;
        else if (!File.Exists(Manifest)) Skip = $"The built module is not at {Manifest}: run ./build.ps1 -Task Build (-Task Test does). Skipped.";
    }
}
