using MaasImages.Engine.Streams;
using MaasImages.TestServer;

namespace MaasImages.Engine.Tests.Support;

/// <summary>
/// The set-up the layout tests share: an editable copy of the sample stream served over loopback,
/// and an empty destination, both removed afterwards.
/// </summary>
public abstract class ServedSampleTest : IAsyncLifetime
{
    protected TempStream Served { get; } = TempStream.OfSample();
    protected TempStream Target { get; } = new();
    protected StreamServer Server { get; private set; } = null!;
    protected string Root => Target.Root;

    public virtual async Task InitializeAsync() => Server = await StreamServer.StartAsync(Served.Root);

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Served.Dispose();
        Target.Dispose();
    }

    /// <summary>The served copy, read without signature checks (tests edit it).</summary>
    protected Task<MaasStream> OpenUnsignedStreamAsync() =>
        StreamClient.OpenAsync(StreamSource.Resolve(null, Server.BaseUri.AbsoluteUri), true, CancellationToken.None);
}
