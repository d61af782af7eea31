using MaasImages.Engine.Streams;
using MaasImages.Engine.Transfer;

namespace MaasImages.Engine.Layout.Bootloaders;

/// <summary>Selects, plans and installs bootloaders in either layout; the entry point Install-MaasBootloader calls.</summary>
public static class BootloaderInstaller
{
    /// <summary>The bootloader products of <paramref name="stream"/> that <paramref name="query"/> selects, newest version each.</summary>
    public static Task<IReadOnlyList<MaasImageVersion>> SelectAsync(MaasStream stream, BootloaderQuery query, Action<string> warn,
        CancellationToken cancellationToken) => SelectAsync(stream, query, warn, unmatched: null, cancellationToken);

    /// <param name="unmatched">Told the type and arch values no bootloader of the stream has (typos), when there are any.</param>
    public static async Task<IReadOnlyList<MaasImageVersion>> SelectAsync(MaasStream stream, BootloaderQuery query, Action<string> warn,
        Action<IReadOnlyList<UnmatchedValue>>? unmatched, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(warn);
        var versions = new List<MaasImageVersion>();
        foreach (var content in stream.Contents.Where(c => c.Kind == MaasContentKind.Bootloaders && c.IsSupportedFormat))
            versions.AddRange(await StreamClient.GetImageVersionsAsync(stream, content, new ImageQuery(), cancellationToken).ConfigureAwait(false));
        // Before selection: -All must never group, pick or warn about a hostile bootloader-type.
        LayoutNames.EnsureSafe(versions, []);
        if (unmatched is not null && BootloaderSelection.Unmatched(versions, query) is { Count: > 0 } typos) unmatched(typos);
        return BootloaderSelection.Select(versions, query, warn);
    }

    /// <summary>What an install would do. Reads the destination, changes nothing (for -WhatIf).</summary>
    public static SavePlanSummary Plan(IReadOnlyList<MaasImageVersion> bootloaders, SaveOptions options)
    {
        ArgumentNullException.ThrowIfNull(bootloaders);
        ArgumentNullException.ThrowIfNull(options);
        EnsureSafeNames(bootloaders, options);
        return LayoutJob.Plan(options, bootloaders, () => options.Layout == SaveLayout.Rack
            ? new BootloaderRackLayout(bootloaders, options, ArchiveLimits.Default).Summary()
            : new MirrorLayout(bootloaders, options, MaasContentKind.Bootloaders).Summary());
    }

    /// <summary>
    /// Takes the destination's lock, checks free space, fetches what is missing (verified), then
    /// lays the bootloaders out: extracted into a new rack snapshot with its links, or as archives
    /// at their upstream paths in a mirror.
    /// </summary>
    public static Task<IReadOnlyList<MaasBootloader>> InstallAsync(IReadOnlyList<MaasImageVersion> bootloaders, SaveOptions options,
        ITransferObserver observer, CancellationToken cancellationToken) =>
        InstallAsync(bootloaders, options, observer, ArchiveLimits.Default, cancellationToken);

    internal static async Task<IReadOnlyList<MaasBootloader>> InstallAsync(IReadOnlyList<MaasImageVersion> bootloaders, SaveOptions options,
        ITransferObserver observer, ArchiveLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bootloaders);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(observer);
        EnsureSafeNames(bootloaders, options);
        if (options.Layout == SaveLayout.Rack)
            return await LayoutJob.RunAsync(options, bootloaders, observer, () => new BootloaderRackLayout(bootloaders, options, limits), cancellationToken).ConfigureAwait(false);
        var saved = await LayoutJob.RunAsync(options, bootloaders, observer, () => new MirrorLayout(bootloaders, options, MaasContentKind.Bootloaders), cancellationToken).ConfigureAwait(false);
        return saved.Select(s => new MaasBootloader(s.Image, SaveLayout.Mirror, s.Path, s.Files)).ToList();
    }

    /// <summary>Before the lock, before any read or write of the destination.</summary>
    private static void EnsureSafeNames(IReadOnlyList<MaasImageVersion> bootloaders, SaveOptions options) =>
        LayoutNames.EnsureSafe(bootloaders, options.Layout == SaveLayout.Rack ? LayoutNames.RackBootloaderFolders : []);
}
