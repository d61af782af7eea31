using MaasImages.Engine.Streams;
using MaasImages.Engine.Transfer;

namespace MaasImages.Engine.Layout;

/// <summary>Plans and performs a save in either layout; the one entry point Save-MaasImage calls.</summary>
public static class ImageSaver
{
    /// <summary>What a save would do. Reads the destination, changes nothing (for -WhatIf).</summary>
    public static SavePlanSummary Plan(IReadOnlyList<MaasImageVersion> images, SaveOptions options) =>
        options.Layout == SaveLayout.Rack ? new RackLayout(images, options).Summary() : new MirrorLayout(images, options).Summary();

    /// <summary>
    /// Takes the destination's lock, plans, checks free space, downloads what is missing, then lays
    /// the files out. Nothing is downloaded when space is short; nothing is written at a final path
    /// unless verified.
    /// </summary>
    public static async Task<IReadOnlyList<MaasSavedImage>> SaveAsync(IReadOnlyList<MaasImageVersion> images, SaveOptions options,
        ITransferObserver observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(observer);
        using var destinationLock = await DestinationLock.AcquireAsync(options.Destination, options.LockTimeout, observer.OnWarning, cancellationToken)
            .ConfigureAwait(false);
        var engine = new TransferEngine(options.Transfer, observer);
        if (options.Layout == SaveLayout.Rack)
        {
            var rack = new RackLayout(images, options);
            TransferEngine.EnsureFreeSpace(options.Destination, rack.Downloads);
            return await rack.SaveAsync(engine, observer, cancellationToken).ConfigureAwait(false);
        }
        var mirror = new MirrorLayout(images, options);
        TransferEngine.EnsureFreeSpace(options.Destination, mirror.Downloads);
        return await mirror.SaveAsync(engine, observer, cancellationToken).ConfigureAwait(false);
    }
}
