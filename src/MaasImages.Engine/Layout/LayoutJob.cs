using MaasImages.Engine.Streams;
using MaasImages.Engine.Transfer;

namespace MaasImages.Engine.Layout;

/// <summary>A planned save into one layout: what must be downloaded, and how to lay it all out.</summary>
internal interface ILayoutJob<TResult>
{
    IReadOnlyList<DownloadItem> Downloads { get; }
    Task<TResult> SaveAsync(TransferEngine engine, ITransferObserver observer, CancellationToken cancellationToken);
}

/// <summary>
/// The one order every save follows: lock the destination, refuse metadata older than what it was
/// saved from (rack; a mirror checks its own documents), plan under the lock, check free space,
/// then fetch and lay out.
/// </summary>
internal static class LayoutJob
{
    public static async Task<TResult> RunAsync<TResult>(SaveOptions options, IReadOnlyList<MaasImageVersion> images, ITransferObserver observer,
        Func<ILayoutJob<TResult>> plan, CancellationToken cancellationToken)
    {
        using var destinationLock = await DestinationLock.AcquireAsync(options.Destination, options.LockTimeout, observer.OnWarning, cancellationToken)
            .ConfigureAwait(false);
        var rack = options.Layout == SaveLayout.Rack;
        if (rack) RackMetadataDates.EnsureNotStale(options.Destination, images, options.Force);
        var job = plan();
        TransferEngine.EnsureFreeSpace(options.Destination, job.Downloads);
        var result = await job.SaveAsync(new TransferEngine(options.Transfer, observer), observer, cancellationToken).ConfigureAwait(false);
        if (rack) RackMetadataDates.Record(options.Destination, images, options.Force);
        return result;
    }
}
