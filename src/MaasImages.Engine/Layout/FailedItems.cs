using System.Collections.Concurrent;
using MaasImages.Engine.Errors;
using MaasImages.Engine.Streams;
using MaasImages.Engine.Transfer;

namespace MaasImages.Engine.Layout;

/// <summary>
/// The images or bootloaders of a run that could not be saved. Each is reported once, as soon as
/// it fails (so -ErrorAction Stop stops the run there), and is then left out of the layout.
/// </summary>
internal sealed class FailedItems(ITransferObserver observer)
{
    private readonly ConcurrentDictionary<MaasImageVersion, byte> _failed = new(ReferenceEqualityComparer.Instance);

    public void Fail(IEnumerable<MaasImageVersion> items, MaasImagesException cause)
    {
        foreach (var item in items)
            if (_failed.TryAdd(item, 0)) observer.OnFailed(new ItemNotSavedException(item, cause));
    }

    public bool Contains(MaasImageVersion item) => _failed.ContainsKey(item);

    public int Count => _failed.Count;

    public IEnumerable<MaasImageVersion> Items => _failed.Keys;
}
