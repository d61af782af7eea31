using System.Runtime.CompilerServices;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Transfer;

namespace MaasImages.Engine.Layout;

/// <summary>Selects, plans and performs a save in either layout; the one entry point Get-MaasImageVersion and Save-MaasImage call.</summary>
public static class ImageSaver
{
    /// <summary>
    /// The image versions of <paramref name="stream"/> that <paramref name="query"/> selects, one
    /// batch per products document (a real one holds thousands): image content of a supported
    /// format only. A version with a value that cannot be a folder name is refused (UnsafePath,
    /// through <paramref name="refuse"/>) and never listed, so whatever is listed can be saved; a
    /// document that cannot be read is refused too, and the others are still listed. <paramref name="typos"/>,
    /// when given, sees every value of the products documents read (see <see cref="ImageCriteria"/>).
    /// </summary>
    public static async IAsyncEnumerable<IReadOnlyList<MaasImageVersion>> SelectAsync(MaasStream stream, ImageQuery query, Action<string> log,
        Action<MaasImagesException> refuse, [EnumeratorCancellation] CancellationToken cancellationToken, UnmatchedValueFinder? typos = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(refuse);
        foreach (var content in stream.Contents)
        {
            if (content.Kind != MaasContentKind.Images)
            {
                log($"Skipping {content.ContentId}: {content.Kind} content, not images.");
                continue;
            }
            if (!content.IsSupportedFormat)
            {
                log($"Skipping {content.ContentId}: unsupported format '{content.Format}'.");
                continue;
            }
            log($"Reading {content.Path}");
            IReadOnlyList<MaasImageVersion> versions;
            try
            {
                versions = LayoutNames.KeepSafe(await StreamClient.GetImageVersionsAsync(stream, content, query, typos, cancellationToken).ConfigureAwait(false), refuse);
            }
            catch (MaasImagesException error)
            {
                typos?.MissedDocument(); // the value may be in the document that failed: no hint
                refuse(error);
                continue;
            }
            yield return versions;
        }
    }

    /// <summary>What a save would do. Reads the destination, changes nothing (for -WhatIf).</summary>
    public static SavePlanSummary Plan(IReadOnlyList<MaasImageVersion> images, SaveOptions options)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(options);
        EnsureSafeNames(images, options);
        return LayoutJob.Plan(options, images,
            () => options.Layout == SaveLayout.Rack ? new RackLayout(images, options).Summary() : new MirrorLayout(images, options, MaasContentKind.Images).Summary());
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
