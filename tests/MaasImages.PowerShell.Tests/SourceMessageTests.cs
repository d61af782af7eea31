using System.Management.Automation;
using MaasImages.Engine.Streams;

namespace MaasImages.PowerShell.Tests;

/// <summary>
/// A -Source that cannot be read says what happened and what to try, and the forms a user types
/// for a stream (its streams/v1/ folder, an index document) are read as the stream.
/// </summary>
public sealed class SourceMessageTests() : ServedSampleTests("maasimages-source-")
{
    [Fact]
    public void Https_to_a_plain_http_port_says_the_server_did_not_speak_tls_and_suggests_http()
    {
        var https = new UriBuilder(Server.BaseUri) { Scheme = "https", Port = Server.BaseUri.Port }.Uri.AbsoluteUri;
        var error = Assert.Single(Session.Run("Get-MaasStream -Source $https -Keyring $keyring", new Dictionary<string, object?> { ["https"] = https }).Errors);
        Assert.StartsWith("SourceUnreachable,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        var message = error.ToString();
        Assert.Contains($"127.0.0.1:{Server.BaseUri.Port} did not answer in TLS", message, StringComparison.Ordinal);
        Assert.Contains("Try http:// instead of https://", message, StringComparison.Ordinal);
        Assert.Contains($"http://127.0.0.1:{Server.BaseUri.Port}/streams/v1/index.sjson", message, StringComparison.Ordinal);
        Assert.DoesNotContain("see inner exception", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Get-MaasStream -Source 127.0.0.1:18300")]
    [InlineData("Get-MaasImageVersion -Source 127.0.0.1:18300/stable")]
    [InlineData("Install-MaasBootloader -Source localhost:18300 -Path $dest")]
    [InlineData("Test-MaasBootResource -Path $dest -Source 127.0.0.1:18300")]
    public void A_host_and_port_without_a_scheme_asks_for_one(string script)
    {
        Directory.CreateDirectory(Destination);
        var result = Session.Run($"try {{ {script} -ErrorAction Stop }} catch {{ $_ }}", Vars);
        var error = (ErrorRecord)Assert.Single(result.Output).BaseObject;
        Assert.StartsWith("InvalidSource,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains("is a host and port without a scheme: add http:// or https://", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Cannot find drive", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("streams/v1/")]
    [InlineData("streams/v1")]
    [InlineData("streams/v1/index.sjson")]
    [InlineData("streams/v1/index.json")]
    public void The_streams_v1_folder_and_an_index_document_are_read_as_the_stream(string path)
    {
        var vars = new Dictionary<string, object?> { ["http"] = new Uri(Server.BaseUri, path).AbsoluteUri, ["folder"] = Path.Combine(PowerShellSession.SampleStream, path) };
        foreach (var source in new[] { "$http", "$folder" })
        {
            var result = Session.Run($"Get-MaasStream -Source {source} -Keyring $keyring", vars);
            Assert.Empty(result.Errors);
            var stream = Assert.Single(result.Objects<MaasStream>());
            Assert.Equal(StreamSignatureStatus.Verified, stream.SignatureStatus);
            Assert.Equal(16, stream.ProductCount);
            Assert.EndsWith("/", stream.Uri.AbsoluteUri, StringComparison.Ordinal);
            Assert.DoesNotContain("streams/v1", stream.Uri.AbsoluteUri, StringComparison.Ordinal);
        }
        var images = Session.Run("Get-MaasImageVersion -Source $http -Keyring $keyring -Release noble -Arch amd64 -Latest", vars);
        Assert.Empty(images.Errors);
        Assert.NotEmpty(images.Objects<MaasImageVersion>());
    }

    [Fact]
    public void A_port_nobody_listens_on_is_named()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var error = Assert.Single(Session.Run($"Get-MaasStream -Source http://127.0.0.1:{port}/stable/ -Keyring $keyring").Errors);
        Assert.StartsWith("SourceUnreachable,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains($"nothing accepts connections on 127.0.0.1:{port}", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unresolvable_host_is_named_with_the_ways_forward()
    {
        // .invalid never resolves (RFC 2606): the failure is DNS's, with no real network involved.
        var result = Session.Run("Get-MaasStream -Source https://maasimages-test.invalid/ephemeral-v3/stable/ -Keyring $keyring");
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("SourceUnreachable,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        var message = error.ToString();
        Assert.Contains("the host name 'maasimages-test.invalid' cannot be resolved", message, StringComparison.Ordinal);
        Assert.Contains("offline", message, StringComparison.Ordinal);
        Assert.Contains("-Source", message, StringComparison.Ordinal);
        Assert.Contains("HTTPS_PROXY", message, StringComparison.Ordinal);
        Assert.StartsWith(error.Exception.Message, error.ErrorDetails.Message, StringComparison.Ordinal); // the engine's text, then the way forward
    }
}
