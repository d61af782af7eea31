using System.Management.Automation;
using MaasImages.Engine.Layout;

namespace MaasImages.PowerShell.Infrastructure;

/// <summary>
/// The one line that ends every Save-MaasImage / Install-MaasBootloader run, however it ends, so a
/// cron log says what happened: the engine's summary of a finished run, "did nothing: why" for a
/// run with nothing to do, or "stopped …" with what was done by then for a run an error or a stop
/// cut short. A run says it once: whatever comes first closes it.
/// </summary>
internal sealed class RunSummary(string command, SaveLayout layout, Action<string> verbose, Action<string> information)
{
    private int _open;
    private string? _done;

    /// <summary>A run starts: until it is closed, an early end writes a "stopped" line.</summary>
    public void Begin()
    {
        _done = null;
        Volatile.Write(ref _open, 1);
    }

    /// <summary>-WhatIf: nothing ran, nothing to sum up.</summary>
    public void Close() => Volatile.Write(ref _open, 0);

    /// <summary>The engine's line for a finished run (Verbose and Information streams).</summary>
    public void Write(string line)
    {
        if (Interlocked.Exchange(ref _open, 0) == 0) return;
        verbose(line);
        information(line);
    }

    /// <summary>A run that ended with nothing to do.</summary>
    public void DidNothing(string why) => Write($"{command} ({layout}) did nothing: {why}");

    /// <summary>What the engine had done when the run was cut short.</summary>
    public void CutShort(string done) => _done = done;

    /// <summary>
    /// The line of a run cut short (null when it already said how it ended): by <paramref name="error"/>,
    /// terminating or the first error under -ErrorAction Stop; or, with no error, by a stop (Ctrl+C).
    /// </summary>
    public string? TakeEndingLine(ErrorRecord? error, bool stoppedAtFirstError)
    {
        if (Interlocked.Exchange(ref _open, 0) == 0) return null;
        var done = _done ?? RunReport.NothingDone(layout);
        if (error is null) return $"{command} ({layout}) stopped: {done}.";
        var id = error.FullyQualifiedErrorId.Split(',')[0];
        var message = (error.ErrorDetails?.Message ?? error.Exception?.Message ?? "").ReplaceLineEndings(" ").Trim();
        return $"{command} ({layout}) stopped by error {id}{(stoppedAtFirstError ? " (-ErrorAction Stop)" : "")}: {done}. {message}".TrimEnd();
    }
}
