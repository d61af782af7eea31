using System.Collections.Concurrent;
using MaasImages.Engine.Transfer;

namespace MaasImages.Engine.Tests.Support;

/// <summary>Keeps everything the engine reports, for assertions.</summary>
public sealed class RecordingObserver : ITransferObserver
{
    public ConcurrentQueue<TransferSnapshot> Snapshots { get; } = new();
    public ConcurrentQueue<FileResult> Files { get; } = new();
    public ConcurrentQueue<string> Messages { get; } = new();
    public ConcurrentQueue<string> Warnings { get; } = new();
    public ConcurrentQueue<MaasImages.Engine.Errors.MaasImagesException> Failures { get; } = new();
    public Action<TransferSnapshot>? OnSnapshot { get; set; }

    public void OnProgress(TransferSnapshot snapshot)
    {
        Snapshots.Enqueue(snapshot);
        OnSnapshot?.Invoke(snapshot);
    }

    public void OnFileCompleted(FileResult result) => Files.Enqueue(result);
    public void OnMessage(string message) => Messages.Enqueue(message);
    public void OnWarning(string message) => Warnings.Enqueue(message);
    public void OnFailed(MaasImages.Engine.Errors.MaasImagesException failure) => Failures.Enqueue(failure);
}
