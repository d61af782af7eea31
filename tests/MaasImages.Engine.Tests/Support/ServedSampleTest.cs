using MaasImages.Engine.Layout;
using MaasImages.Engine.Layout.Bootloaders;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Transfer;
using MaasImages.TestServer;

namespace MaasImages.Engine.Tests.Support;

/// <summary>
/// The set-up the layout and inventory tests share: an editable copy of the sample stream served
/// over loopback, and an empty destination, both removed afterwards; selecting images and
/// bootloaders from the served copy, and saving or installing them into the destination with
/// quick retries, so a fault a test plants fails fast.
/// </summary>
public abstract class ServedSampleTest : IAsyncLifetime
{
    protected TempStream Served { get; } = TempStream.OfSample();
    protected TempStream Target { get; } = new();
    protected StreamServer Server { get; private set; } = null!;
    protected string Root => Target.Root;
    /// <summary>The rack layout's link to its current snapshot.</summary>
    protected string Current => Path.Combine(Root, "current");
    /// <summary>The rack layout's content-addressed cache.</summary>
    protected string Cache => Path.Combine(Root, "cache");

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

    /// <summary>The image versions <paramref name="query"/> selects from every image content of the served stream.</summary>
    protected async Task<List<MaasImageVersion>> Images(ImageQuery query)
    {
        var stream = await OpenUnsignedStreamAsync();
        var all = new List<MaasImageVersion>();
        foreach (var content in stream.Contents.Where(c => c.Kind == MaasContentKind.Images))
            all.AddRange(await StreamClient.GetImageVersionsAsync(stream, content, query, CancellationToken.None));
        return all;
    }

    /// <summary>The newest amd64 version of every image of <paramref name="releases"/>.</summary>
    protected Task<List<MaasImageVersion>> LatestAmd64(params string[] releases) =>
        Images(new ImageQuery { Release = releases, Arch = ["amd64"], MaxVersions = 1 });

    /// <summary>The bootloaders of the served stream <paramref name="query"/> selects (default: what MAAS installs).</summary>
    protected async Task<IReadOnlyList<MaasImageVersion>> Bootloaders(BootloaderQuery? query = null) =>
        await BootloaderInstaller.SelectAsync(await OpenUnsignedStreamAsync(), query ?? new BootloaderQuery(), _ => { }, CancellationToken.None);

    /// <summary>
    /// Saving into <see cref="Root"/>: retries 20 ms apart, a stall after 10 s without a byte, and
    /// the lock waited for up to a minute (a test holding it passes <paramref name="lockTimeout"/>).
    /// </summary>
    protected SaveOptions Options(SaveLayout layout = SaveLayout.Rack, bool force = false, bool prune = false, int keepSnapshots = 0, int keepVersions = 0,
        bool copy = false, TimeSpan? stallTimeout = null, TimeSpan? lockTimeout = null) => new()
    {
        Destination = Root,
        Layout = layout,
        Force = force,
        Prune = prune,
        KeepSnapshots = keepSnapshots,
        KeepVersions = keepVersions,
        CopyInsteadOfLinking = copy,
        Transfer = new TransferOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(20), StallTimeout = stallTimeout ?? TimeSpan.FromSeconds(10) },
        LockTimeout = lockTimeout ?? TimeSpan.FromSeconds(60),
    };

    /// <summary>Saves <paramref name="images"/> with <paramref name="options"/> (default: <see cref="Options"/>(), a rack).</summary>
    protected Task<IReadOnlyList<MaasSavedImage>> Save(IReadOnlyList<MaasImageVersion> images, SaveOptions? options = null, ITransferObserver? observer = null) =>
        ImageSaver.SaveAsync(images, options ?? Options(), observer ?? new RecordingObserver(), CancellationToken.None);

    /// <summary>Installs <paramref name="bootloaders"/> with <paramref name="options"/> (default: <see cref="Options"/>(), a rack).</summary>
    protected Task<IReadOnlyList<MaasBootloader>> Install(IReadOnlyList<MaasImageVersion> bootloaders, SaveOptions? options = null, ITransferObserver? observer = null) =>
        BootloaderInstaller.InstallAsync(bootloaders, options ?? Options(), observer ?? new RecordingObserver(), CancellationToken.None);
}
