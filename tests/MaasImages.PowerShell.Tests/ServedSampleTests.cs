using MaasImages.TestServer;

namespace MaasImages.PowerShell.Tests;

/// <summary>
/// Base of the cmdlet tests that save or install: a PowerShell session, the sample stream served
/// over HTTP on loopback, and a fresh destination folder removed afterwards.
/// </summary>
public abstract class ServedSampleTests : IAsyncLifetime
{
    protected ServedSampleTests(string prefix) =>
        Destination = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N"));

    protected PowerShellSession Session { get; } = new();
    protected string Destination { get; }
    protected StreamServer Server { get; private set; } = null!;

    /// <summary>$url (the served stream) and $dest (the destination) for scripts.</summary>
    protected Dictionary<string, object?> Vars => new() { ["url"] = Server.BaseUri.AbsoluteUri, ["dest"] = Destination };

    public async Task InitializeAsync() => Server = await StreamServer.StartAsync(PowerShellSession.SampleStream);

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Session.Dispose();
        if (Directory.Exists(Destination)) Directory.Delete(Destination, recursive: true);
    }
}
