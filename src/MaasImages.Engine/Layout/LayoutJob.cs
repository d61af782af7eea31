using MaasImages.Engine.Platform;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Transfer;

namespace MaasImages.Engine.Layout;

/// <summary>A planned save into one layout: what must be downloaded, and how to lay it all out.</summary>
internal interface ILayoutJob<TResult>
{
    IReadOnlyList<DownloadItem> Downloads { get; }
    /// <summary>What the run did, filled in by <see cref="SaveAsync"/>.</summary>
    RunReport Report { get; }
    Task<TResult> SaveAsync(TransferEngine engine, ITransferObserver observer, CancellationToken cancellationToken);
}

/// <summary>
/// The one order every save follows: lock the destination, refuse metadata older than what it was
/// saved from (rack; a mirror checks its own documents), plan under the lock, check free space,
/// then fetch and lay out.
/// </summary>
internal static class LayoutJob
{
    /// <summary>
    /// StaleMetadata for a rack destination saved from newer products documents, unless -Force; a
    /// mirror's layout checks its own documents when it is planned. Also called by the -WhatIf plans,
    /// so they report the refusal a real run would.
    /// </summary>
    public static void RefuseStaleMetadata(SaveOptions options, IReadOnlyList<MaasImageVersion> images)
    {
        if (options.Layout == SaveLayout.Rack) RackMetadataDates.EnsureNotStale(options.Destination, images, options.Force);
    }

    /// <summary>
    /// What a save would do (-WhatIf): the checks a real run makes before its lock, then the
    /// layout's summary. Reads the destination, changes nothing.
    /// </summary>
    public static SavePlanSummary Plan(SaveOptions options, IReadOnlyList<MaasImageVersion> images, Func<SavePlanSummary> summary)
    {
        DestinationCheck.Ensure(options.Destination);
        return IoFailures.Guard(options.Destination, () =>
        {
            RefuseStaleMetadata(options, images);
            return summary();
        });
    }

    /// <remarks>
    /// I/O failures on the destination end the run with a stable id (DestinationNotWritable,
    /// InsufficientDiskSpace) instead of a raw exception; what is on disk stays consistent
    /// (partials kept, a half-built snapshot removed by the layout).
    /// </remarks>
    public static async Task<TResult> RunAsync<TResult>(SaveOptions options, IReadOnlyList<MaasImageVersion> images, ITransferObserver observer,
        Func<ILayoutJob<TResult>> plan, CancellationToken cancellationToken)
    {
        ILayoutJob<TResult>? job = null;
        try
        {
            return await LockPlanAndSaveAsync(options, images, observer, plan, j => job = j, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The line that ends the run says what it had done when it stopped (an error or Ctrl+C).
            observer.OnCutShort(job?.Report.CutShort() ?? RunReport.NothingDone(options.Layout));
            throw;
        }
    }

    private static async Task<TResult> LockPlanAndSaveAsync<TResult>(SaveOptions options, IReadOnlyList<MaasImageVersion> images, ITransferObserver observer,
        Func<ILayoutJob<TResult>> plan, Action<ILayoutJob<TResult>> planned, CancellationToken cancellationToken)
    {
        DestinationCheck.Ensure(options.Destination);
        try
        {
            using var destinationLock = await DestinationLock.AcquireAsync(options.Destination, options.LockTimeout, observer.OnWarning, cancellationToken)
                .ConfigureAwait(false);
            RefuseStaleMetadata(options, images);
            var job = plan();
            planned(job);
            TransferEngine.EnsureFreeSpace(options.Destination, job.Downloads);
            var result = await job.SaveAsync(new TransferEngine(options.Transfer, new ReportingObserver(observer, job.Report)), observer, cancellationToken)
                .ConfigureAwait(false);
            if (options.Layout == SaveLayout.Rack) RackMetadataDates.Record(options.Destination, images, options.Force);
            observer.OnSummary(job.Report.ToString());
            return result;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && IoFailures.Translate(e, options.Destination) is not null)
        {
            throw IoFailures.Translate(e, options.Destination)!;
        }
    }
}

/// <summary>Passes everything on, and counts each fetched file into the run's report.</summary>
internal sealed class ReportingObserver(ITransferObserver inner, RunReport report) : ITransferObserver
{
    public void OnProgress(TransferSnapshot snapshot) => inner.OnProgress(snapshot);

    public void OnFileCompleted(FileResult result)
    {
        report.Fetched(result);
        inner.OnFileCompleted(result);
    }

    public void OnMessage(string message) => inner.OnMessage(message);
    public void OnWarning(string message) => inner.OnWarning(message);
    public void OnFailed(Errors.MaasImagesException failure) => inner.OnFailed(failure);
    public void OnSummary(string line) => inner.OnSummary(line);
    public void OnCutShort(string done) => inner.OnCutShort(done);

    public void OnPartialsKept(int files, long bytes)
    {
        report.PartialsKept(files, bytes);
        inner.OnPartialsKept(files, bytes);
    }
}
