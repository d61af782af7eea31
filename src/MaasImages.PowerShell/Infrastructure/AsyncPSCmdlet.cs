using System.Collections.Concurrent;
using System.Management.Automation;
using MaasImages.Engine.Errors;

namespace MaasImages.PowerShell.Infrastructure;

/// <summary>
/// Runs a cmdlet's work on a background task while every call PowerShell requires on the
/// pipeline thread (WriteObject, WriteError, WriteVerbose, WriteProgress, ShouldProcess) is
/// marshalled back to it through a queue the pipeline thread pumps. StopProcessing (Ctrl+C)
/// cancels one token, so engine work stops promptly. The parameters several cmdlets share come
/// from their one definition in <see cref="SharedParameters"/>, as dynamic parameters.
/// </summary>
public abstract class AsyncPSCmdlet : PSCmdlet, IDynamicParameters, IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private SharedParameterValues? _shared;

    /// <summary>The shared parameters this command takes, with the sets and position each has here.</summary>
    protected virtual IEnumerable<SharedParameterUse> SharedParameterUses => [];

    /// <summary>The values of the shared parameters (their one default when not given).</summary>
    protected SharedParameterValues Shared => _shared ??= new SharedParameterValues(SharedParameterUses);

    public object? GetDynamicParameters() => Shared.Dictionary.Count == 0 ? null : Shared.Dictionary;
    private BlockingCollection<Action>? _pending;
    private int _pipelineThreadId;

    /// <summary>Cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
    protected CancellationToken Cancellation => _cancellation.Token;

    protected virtual Task BeginProcessingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    protected virtual Task ProcessRecordAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    protected virtual Task EndProcessingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected sealed override void BeginProcessing() => Run(BeginProcessingAsync);
    protected sealed override void ProcessRecord() => Run(ProcessRecordAsync);
    protected sealed override void EndProcessing() => Run(EndProcessingAsync);
    protected override void StopProcessing() => CancelQuietly();

    /// <summary>
    /// Cancels the work. Runs on PowerShell's stopping thread or after a failure: a late call (the
    /// command already disposed) or a cancellation callback that throws must not escape.
    /// </summary>
    private void CancelQuietly()
    {
        try
        {
            _cancellation.Cancel();
        }
        catch (Exception e) when (e is ObjectDisposedException or AggregateException)
        {
        }
    }

    /// <summary>The folder an I/O failure the engine did not translate is about (the destination of a writer).</summary>
    protected virtual string? IoFailureTarget => null;

    /// <summary>WriteObject from any thread.</summary>
    protected void Emit(object? value, bool enumerateCollection = false) => OnPipeline(() => WriteObject(value, enumerateCollection));
    protected void EmitError(ErrorRecord record) => OnPipeline(() => WriteErrorOrRemember(record));

    /// <summary>The error -ErrorAction Stop turned into the end of the command (WriteError threw).</summary>
    private ErrorRecord? _stoppedAt;

    private void WriteErrorOrRemember(ErrorRecord record)
    {
        try
        {
            WriteError(record);
        }
        catch
        {
            _stoppedAt ??= record;
            throw;
        }
    }
    protected void EmitVerbose(string message) => OnPipeline(() => WriteVerbose(message));
    protected void EmitWarning(string message) => OnPipeline(() => WriteWarning(message));
    protected void EmitProgress(ProgressRecord record) => OnPipeline(() => WriteProgress(record));
    /// <summary>WriteInformation from any thread, tagged with the module's name.</summary>
    protected void EmitInformation(string message) => OnPipeline(() => WriteInformation(message, ["MaasImages"]));

    /// <summary>
    /// The run whose one summary line ends the command also when an error or a stop (Ctrl+C) cuts it
    /// short; null for a command that sums up nothing.
    /// </summary>
    private protected virtual RunSummary? Summary => null;

    /// <summary>
    /// WriteError from any thread, returning once the pipeline thread has written it. Under
    /// -ErrorAction Stop writing it throws there: the work is cancelled before this returns (with
    /// OperationCanceledException), so nothing more happens after the first error.
    /// </summary>
    protected void EmitErrorAndWait(ErrorRecord record)
    {
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (_cancellation.Token.Register(() => written.TrySetCanceled(_cancellation.Token)))
        {
            OnPipeline(() =>
            {
                try
                {
                    WriteErrorOrRemember(record);
                    written.TrySetResult();
                }
                catch
                {
                    CancelQuietly();
                    written.TrySetCanceled();
                    throw;
                }
            }, onDropped: () => written.TrySetResult());
            written.Task.GetAwaiter().GetResult();
        }
    }

    /// <summary>ShouldProcess from any thread; the answer comes from the pipeline thread.</summary>
    protected Task<bool> ShouldProcessAsync(string target, string action) => AskAsync(() => ShouldProcess(target, action));

    /// <summary>
    /// ShouldProcess with the whole text: -WhatIf and -Verbose show <paramref name="description"/>
    /// as it is (several lines), -Confirm asks with <paramref name="question"/>.
    /// </summary>
    protected Task<bool> ShouldProcessAsync(string description, string question, string caption) =>
        AskAsync(() => ShouldProcess(description, question, caption));

    private async Task<bool> AskAsync(Func<bool> ask)
    {
        var answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Stopping drops queued work: the question is then never asked, so do not wait for it.
        using var registration = _cancellation.Token.Register(() => answer.TrySetCanceled(_cancellation.Token));
        OnPipeline(() =>
        {
            try { answer.TrySetResult(ask()); }
            catch (Exception e) { answer.TrySetException(e); throw; }
        });
        return await answer.Task.ConfigureAwait(false);
    }

    /// <summary>Whether -WhatIf is in effect (the parameter, or $WhatIfPreference).</summary>
    protected bool IsWhatIf =>
        MyInvocation.BoundParameters.TryGetValue("WhatIf", out var bound) ? bound is SwitchParameter { IsPresent: true } : _whatIfPreference;

    private bool _whatIfPreference;

    private void OnPipeline(Action action, Action? onDropped = null)
    {
        if (Environment.CurrentManagedThreadId == _pipelineThreadId)
        {
            action();
            return;
        }
        // From another thread (the work, or an engine timer): only through the queue the pipeline
        // thread pumps. Once the pipeline has finished or is stopping there is nobody to write
        // to: drop it. PowerShell's Write* APIs must never run here, and a timer callback that
        // threw would take the whole process down.
        var pending = _pending;
        if (pending is null || _cancellation.IsCancellationRequested)
        {
            onDropped?.Invoke();
            return;
        }
        try
        {
            pending.Add(action, _cancellation.Token);
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException or OperationCanceledException)
        {
            onDropped?.Invoke();
        }
    }

    /// <summary>
    /// A stopped run's line on the host, once: a stopped pipeline takes no more records. A host
    /// without a user interface (or one that fails) shows nothing.
    /// </summary>
    private void ShowStoppedLine()
    {
        if (Summary?.TakeEndingLine(null, stoppedAtFirstError: false) is not { } line) return;
        ShowOnHost(line);
    }

    private void ShowOnHost(string line)
    {
        try
        {
            Host?.UI?.WriteWarningLine(line);
        }
#pragma warning disable CA1031 // a note must never turn a stop into a crash
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>
    /// The line of a run an error ended, on the pipeline thread before the error goes out: on the
    /// Verbose and Information streams like a finished run's, or on the host when the pipeline no
    /// longer takes records.
    /// </summary>
    private void WriteEndingLine(ErrorRecord error, bool stoppedAtFirstError)
    {
        if (Summary?.TakeEndingLine(error, stoppedAtFirstError) is not { } line) return;
        try
        {
            WriteVerbose(line);
            WriteInformation(line, ["MaasImages"]);
        }
        catch (PipelineStoppedException)
        {
            ShowOnHost(line);
        }
    }

    private void Run(Func<CancellationToken, Task> work)
    {
        _pipelineThreadId = Environment.CurrentManagedThreadId;
        _whatIfPreference = GetVariableValue("WhatIfPreference") is SwitchParameter { IsPresent: true } or true;
        using var pending = new BlockingCollection<Action>();
        _pending = pending;
        // The work starts here, on the pipeline thread, so its synchronous prologue may use
        // SessionState (path resolution); after its first await it continues on the thread pool.
        var task = RunWork(work, pending);
        try
        {
            foreach (var action in pending.GetConsumingEnumerable(_cancellation.Token)) action();
        }
        catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
        {
            // Stopping: fall through and wait for the worker, which sees the same token.
        }
        catch (Exception failure)
        {
            // The pipeline thread failed (e.g. -ErrorAction Stop turned a WriteError into an
            // exception): stop the worker before leaving, so nothing runs on unattended.
            CancelQuietly();
            try { task.Wait(); } catch (AggregateException) { }
            if (_stoppedAt is { } first) WriteEndingLine(first, stoppedAtFirstError: true);
            else if (failure is PipelineStoppedException) ShowStoppedLine();
            throw;
        }
        finally
        {
            _pending = null;
        }

        try
        {
            task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
        {
            ShowStoppedLine();
            throw new PipelineStoppedException();
        }
        catch (MaasImagesException error)
        {
            // An engine error the work did not handle ends the command, with its stable id.
            EndWith(ErrorRecords.From(error));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The engine gives its I/O failures stable ids; one that slipped through still gets one.
            EndWith(ErrorRecords.From(Engine.Platform.IoFailures.Translate(e, IoFailureTarget ?? string.Empty)!));
        }
    }

    private void EndWith(ErrorRecord error)
    {
        WriteEndingLine(error, stoppedAtFirstError: false);
        ThrowTerminatingError(error);
    }

    private async Task RunWork(Func<CancellationToken, Task> work, BlockingCollection<Action> pending)
    {
        try
        {
            await work(_cancellation.Token).ConfigureAwait(false);
        }
        finally
        {
            try { pending.CompleteAdding(); }
            catch (ObjectDisposedException) { } // the pipeline thread has already left
        }
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing) _cancellation.Dispose();
    }
}
