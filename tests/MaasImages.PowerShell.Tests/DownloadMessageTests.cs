using System.Management.Automation;
using MaasImages.TestServer;

namespace MaasImages.PowerShell.Tests;

/// <summary>
/// A payload host that cannot be reached (the stream's own, or the one its server redirects the
/// payloads to) is named by Save-MaasImage and Install-MaasBootloader with what happened and what
/// to try, the same way reading the stream does: no "see inner exception", no promise of a
/// partial file that was never written.
/// </summary>
public sealed class DownloadMessageTests() : ServedSampleTests("maasimages-download-")
{
    private const string Save = "Get-MaasImageVersion -Source $url -Keyring $keyring -Release noble -Arch amd64 -Subarch ga-24.04 -Latest | Save-MaasImage -Path $dest";
    private const string Install = "Install-MaasBootloader -Source $url -Keyring $keyring -Path $dest -Type uefi";

    public static TheoryData<string, string> Runs => new()
    {
        { Save, "noble/*" },
        { Install, "bootloaders/*" },
    };

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private List<ErrorRecord> RunFailing(string script)
    {
        var result = Session.Run(script, Vars);
        Assert.NotEmpty(result.Errors);
        foreach (var error in result.Errors)
        {
            Assert.StartsWith("DownloadFailed,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Equal(ErrorCategory.ConnectionError, error.CategoryInfo.Category);
            Assert.DoesNotContain("see inner exception", error.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain("partial file is kept", error.ToString(), StringComparison.Ordinal); // nothing was received
        }
        return result.Errors;
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public async Task Payloads_on_a_plain_http_port_named_by_https_say_the_server_did_not_speak_tls_at_the_first_attempt(string script, string payloads)
    {
        await using var plain = await StreamServer.StartAsync(PowerShellSession.SampleStream);
        var port = plain.BaseUri.Port;
        Server.Faults.Add(payloads, Fault.Redirect(new Uri($"https://127.0.0.1:{port}/")), count: -1);

        // Default retries: a server that does not speak TLS is not asked again (and again).
        foreach (var error in RunFailing(script))
        {
            var message = error.ToString();
            Assert.Contains($"127.0.0.1:{port} did not answer in TLS", message, StringComparison.Ordinal);
            Assert.Contains("Try http:// instead of https://", message, StringComparison.Ordinal);
            Assert.Contains($"'https://127.0.0.1:{port}/", message, StringComparison.Ordinal);
            Assert.Contains("(where the server redirected)", message, StringComparison.Ordinal);
            Assert.DoesNotContain("attempts", message, StringComparison.Ordinal);
        }
        Assert.Empty(plain.Requests); // TLS never got as far as a request
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public void A_payload_port_nobody_listens_on_is_named(string script, string payloads)
    {
        var port = ClosedPort();
        Server.Faults.Add(payloads, Fault.Redirect(new Uri($"http://127.0.0.1:{port}/")), count: -1);
        foreach (var error in RunFailing(script + " -MaximumRetryCount 1 -RetryIntervalSec 0"))
        {
            var message = error.ToString();
            Assert.Contains($"nothing accepts connections on 127.0.0.1:{port}", message, StringComparison.Ordinal);
            Assert.Contains("failed after 2 attempts", message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public void An_unresolvable_payload_host_is_named_with_the_ways_forward(string script, string payloads)
    {
        // .invalid never resolves (RFC 2606): the failure is DNS's, with no real network involved.
        Server.Faults.Add(payloads, Fault.Redirect(new Uri("http://maasimages-test.invalid/mirror/")), count: -1);
        foreach (var error in RunFailing(script + " -MaximumRetryCount 0"))
        {
            var message = error.ToString();
            Assert.Contains("the host name 'maasimages-test.invalid' cannot be resolved", message, StringComparison.Ordinal);
            Assert.Contains("'http://maasimages-test.invalid/mirror/", message, StringComparison.Ordinal);
            Assert.Contains("-Source", message, StringComparison.Ordinal);
            Assert.Contains("HTTPS_PROXY", message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_stream_server_gone_before_the_payloads_is_named()
    {
        var images = Session.Run("$images = Get-MaasImageVersion -Source $url -Keyring $keyring -Release noble -Arch amd64 -Subarch ga-24.04 -Latest; $images.Count", Vars);
        Assert.Empty(images.Errors);
        var port = Server.BaseUri.Port;
        await Server.DisposeAsync();
        foreach (var error in RunFailing("$images | Save-MaasImage -Path $dest -MaximumRetryCount 0"))
            Assert.Contains($"nothing accepts connections on 127.0.0.1:{port}", error.ToString(), StringComparison.Ordinal);
    }
}
