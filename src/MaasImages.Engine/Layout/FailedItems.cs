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

/// <summary>
/// One image or bootloader of a run could not be saved (its file failed to download or verify):
/// same id and kind as the cause, the item as target. The run goes on with the others.
/// </summary>
public sealed class ItemNotSavedException(MaasImageVersion item, MaasImagesException cause)
    : MaasImagesException(cause.ErrorId, cause.Kind,
        $"{item.ProductName} {item.VersionName} was not saved: {cause.Message}", item, cause, cause.Remedy)
{
    public MaasImageVersion Item { get; } = item;
}
