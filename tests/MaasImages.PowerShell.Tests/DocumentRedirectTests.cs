using MaasImages.TestServer;

namespace MaasImages.PowerShell.Tests;

/// <summary>
/// A stream document whose server redirects to a target that fails is named with both URLs: the
/// one asked for and the redirect target, whose host is the one the failure describes (as
/// DownloadMessageTests checks for payload files).
/// </summary>
public sealed class DocumentRedirectTests() : ServedSampleTests("maasimages-docredirect-")
{
    [Fact]
    public void A_redirect_to_a_port_nobody_listens_on_names_the_target_and_what_happened_there()
    {
        int port;
        using (var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        }
        Server.Faults.Add("*/index.sjson", Fault.Redirect(new Uri($"http://127.0.0.1:{port}/")), count: -1);

        var error = Assert.Single(Session.Run("Get-MaasStream -Source $url -Keyring $keyring", Vars).Errors);
        Assert.StartsWith("SourceUnreachable,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        var message = error.ToString();
        Assert.Contains($"Cannot reach '{Server.BaseUri}streams/v1/index.sjson' (redirected to 'http://127.0.0.1:{port}/streams/v1/index.sjson'): ",
            message, StringComparison.Ordinal);
        Assert.Contains($"nothing accepts connections on 127.0.0.1:{port}", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_redirect_to_a_server_that_fails_names_the_target_with_its_status()
    {
        await using var failing = await StreamServer.StartAsync(PowerShellSession.SampleStream);
        failing.Faults.Add("*", Fault.Status(500), count: -1);
        Server.Faults.Add("*/index.sjson", Fault.Redirect(failing.BaseUri), count: -1);

        var error = Assert.Single(Session.Run("Get-MaasStream -Source $url -Keyring $keyring", Vars).Errors);
        Assert.Contains($"'{Server.BaseUri}streams/v1/index.sjson' (redirected to '{failing.BaseUri}streams/v1/index.sjson') answered HTTP 500",
            error.ToString(), StringComparison.Ordinal);
    }
}
