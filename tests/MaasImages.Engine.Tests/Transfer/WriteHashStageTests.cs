using System.Security.Cryptography;
using MaasImages.Engine.Tests.Support;
using MaasImages.Engine.Transfer;

namespace MaasImages.Engine.Tests.Transfer;

/// <summary>
/// The write-and-hash stage on its own, with real files: segments of any size, handed over from
/// every slot in turn, land in order at their offsets and in the hash; a failing write stops the
/// reader and is what the caller sees.
/// </summary>
public sealed class WriteHashStageTests : IDisposable
{
    private readonly TempStream _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Segments_of_any_size_from_every_slot_land_in_order_and_in_the_hash_after_what_was_there()
    {
        // Bytes 0..999 are "already on disk" (a resumed partial); the rest arrives in pieces that
        // end slots early, fill them exactly, and wrap round the slots several times.
        var data = new byte[WriteHashStage.SlotSize * WriteHashStage.SlotCount * 3 + 12345];
        new Random(5).NextBytes(data);
        const int before = 1000;
        var path = Path.Combine(_folder.Root, "file.partial");
        await File.WriteAllBytesAsync(path, data[..before]);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(data, 0, before);
        using var abort = new CancellationTokenSource();
        var sizes = new[] { 1, 4096, WriteHashStage.SlotSize, 77, WriteHashStage.SlotSize - 1 };

        using (var file = File.OpenHandle(path, FileMode.Open, FileAccess.Write))
        {
            using var stage = new WriteHashStage(file, before, hash, abort);
            int next = before, turn = 0;
            while (next < data.Length)
            {
                var slot = await stage.TakeSlotAsync(CancellationToken.None);
                int filled = 0, start = 0;
                while (filled < WriteHashStage.SlotSize && next < data.Length)
                {
                    var n = Math.Min(Math.Min(sizes[turn++ % sizes.Length], WriteHashStage.SlotSize - filled), data.Length - next);
                    data.AsSpan(next, n).CopyTo(stage.Buffer(slot).AsSpan(filled));
                    filled += n;
                    next += n;
                    if (turn % 3 == 0)
                    {
                        stage.Hand(slot, start, filled - start, endsSlot: false);
                        start = filled;
                    }
                }
                stage.Hand(slot, start, filled - start, endsSlot: true);
            }
            await stage.CompleteAsync();
        }

        Assert.Equal(data, await File.ReadAllBytesAsync(path));
        Assert.Equal(SHA256.HashData(data), hash.GetHashAndReset());
        Assert.False(abort.IsCancellationRequested);
    }

    [DevFullFact]
    public async Task A_failing_write_stops_the_reader_and_is_the_error_the_caller_gets()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var abort = new CancellationTokenSource();
        using var full = File.OpenHandle("/dev/full", FileMode.Open, FileAccess.Write);
        using var stage = new WriteHashStage(full, 0, hash, abort);

        var slot = await stage.TakeSlotAsync(CancellationToken.None);
        stage.Hand(slot, 0, 4096, endsSlot: true);

        // The reader, waiting for the network (abort) or for a slot, is told to stop...
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.Delay(Timeout.Infinite, abort.Token).WaitAsync(TimeSpan.FromMinutes(2)));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            for (int i = 0; i <= WriteHashStage.SlotCount; i++) await stage.TakeSlotAsync(CancellationToken.None);
        });
        // ...and the error it then gets is the disk's (ENOSPC), which the layers above turn into InsufficientDiskSpace.
        var error = await Assert.ThrowsAsync<IOException>(stage.CompleteAsync);
        Assert.IsType<MaasImages.Engine.Errors.InsufficientDiskSpaceException>(MaasImages.Engine.Platform.IoFailures.Translate(error, _folder.Root));
    }
}

/// <summary>A test that writes to /dev/full (every write fails with ENOSPC); skipped, with the reason shown, where there is none.</summary>
public sealed class DevFullFactAttribute : FactAttribute
{
    public DevFullFactAttribute()
    {
        if (!File.Exists("/dev/full")) Skip = "Needs /dev/full (Linux) for a write that always fails: skipped.";
    }
}
