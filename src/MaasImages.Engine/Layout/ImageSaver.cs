using MaasImages.Engine.Streams;
using MaasImages.Engine.Transfer;

namespace MaasImages.Engine.Layout;

/// <summary>Plans and performs a save in either layout; the one entry point Save-MaasImage calls.</summary>
public static class ImageSaver
{
    /// <summary>What a save would do. Reads the destination, changes nothing (for -WhatIf).</summary>
    public static SavePlanSummary Plan(IReadOnlyList<MaasImageVersion> images, SaveOptions options)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(options);
        EnsureSafeNames(images, options);
        Platform.DestinationCheck.Ensure(options.Destination);
        return Platform.IoFailures.Guard(options.Destination, () =>
        {
            LayoutJob.RefuseStaleMetadata(options, images);
            return options.Layout == SaveLayout.Rack ? new RackLayout(images, options).Summary() : new MirrorLayout(images, options, MaasContentKind.Images).Summary();
        });
    }

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
        EnsureSafeNames(images, options);
        return await LayoutJob.RunAsync<IReadOnlyList<MaasSavedImage>>(options, images, observer,
            () => options.Layout == SaveLayout.Rack ? new RackLayout(images, options) : new MirrorLayout(images, options, MaasContentKind.Images),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Before the lock, before any read or write of the destination.</summary>
    private static void EnsureSafeNames(IReadOnlyList<MaasImageVersion> images, SaveOptions options) =>
        LayoutNames.EnsureSafe(images, options.Layout == SaveLayout.Rack ? LayoutNames.RackImageFolders : []);
}
