using System.Buffers;
using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;

namespace MaasImages.Engine.Transfer;

/// <summary>
/// The second stage of a file's download: the segments the network reader hands over are written
/// to the partial at their offsets and hashed, strictly in order, on another thread, so that the
/// next network read overlaps the write and the hash of the bytes before it.
/// </summary>
/// <remarks>
/// The reader fills slots (<see cref="SlotCount"/> buffers of <see cref="SlotSize"/>) and hands a
/// segment over when a slot is full or when its next read would wait for the network, so a fast
/// connection gives whole-slot writes and a slow one never keeps received bytes from the disk. A slot
/// is reused only once the last segment of it is written and hashed. The stage never stops half
/// way on its own: after <see cref="CompleteAsync"/> every segment handed over is on disk, so the
/// partial holds exactly the bytes received (what a resume relies on), unless writing failed.
/// </remarks>
internal sealed class WriteHashStage : IDisposable
{
    // Small slots on purpose: the bytes are still in the CPU cache when the write copies them to
    // the page cache and the hash reads them. With 1 MiB slots (measured, 1.25 GB from nginx) the
    // kernel's copy into the page cache took 4x the CPU and the whole save twice the time.
    public const int SlotSize = 128 * 1024;
    public const int SlotCount = 8;

    private readonly SafeFileHandle _file;
    private readonly IncrementalHash _hash;
    private readonly Action<long>? _afterFirstWrite;
    private readonly CancellationTokenSource _abortReader;
    private readonly byte[][] _slots = new byte[SlotCount][];
    private readonly SemaphoreSlim _free = new(SlotCount, SlotCount);
    private readonly Channel<Segment> _queue = Channel.CreateUnbounded<Segment>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _failed = new();
    private readonly Task _consumer;
    private long _writeOffset;
    private int _nextSlot;
    private bool _disposed;

    /// <param name="file">The partial, open for writing; bytes go at <paramref name="offset"/> onwards.</param>
    /// <param name="hash">Already holds the bytes before <paramref name="offset"/>.</param>
    /// <param name="abortReader">Cancelled when writing fails, so a reader waiting for the network stops.</param>
    /// <param name="afterFirstWrite">Called once with the end offset of the first segment written (a test hook).</param>
    public WriteHashStage(SafeFileHandle file, long offset, IncrementalHash hash, CancellationTokenSource abortReader, Action<long>? afterFirstWrite = null)
    {
        _file = file;
        _writeOffset = offset;
        _hash = hash;
        _abortReader = abortReader;
        _afterFirstWrite = afterFirstWrite;
        _consumer = Task.Run(ConsumeAsync);
    }

    private readonly record struct Segment(int Slot, int Start, int Length, bool EndsSlot);

    /// <summary>The buffer of a slot obtained from <see cref="TakeSlotAsync"/>.</summary>
    public byte[] Buffer(int slot) => _slots[slot];

    /// <summary>
    /// The next slot to fill, once it is free; throws <see cref="OperationCanceledException"/> when
    /// writing has failed (<see cref="CompleteAsync"/> then throws that failure) or on cancellation.
    /// </summary>
    public async ValueTask<int> TakeSlotAsync(CancellationToken cancellationToken)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _failed.Token);
        await _free.WaitAsync(either.Token).ConfigureAwait(false);
        var slot = _nextSlot;
        _nextSlot = (_nextSlot + 1) % SlotCount;
        _slots[slot] ??= ArrayPool<byte>.Shared.Rent(SlotSize);
        return slot;
    }

    /// <summary>Hands over <paramref name="length"/> bytes of a slot; with <paramref name="endsSlot"/> the slot is given back once they are done.</summary>
    public void Hand(int slot, int start, int length, bool endsSlot)
    {
        if (length == 0 && !endsSlot) return;
        if (!_queue.Writer.TryWrite(new Segment(slot, start, length, endsSlot)))
            throw new InvalidOperationException("segments handed over after completion");
    }

    /// <summary>No more segments: waits until every one handed over is written and hashed; throws what writing threw.</summary>
    public Task CompleteAsync()
    {
        _queue.Writer.TryComplete();
        return _consumer;
    }

    private async Task ConsumeAsync()
    {
        bool first = true;
        try
        {
            await foreach (var segment in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                if (segment.Length > 0)
                {
                    var bytes = _slots[segment.Slot].AsSpan(segment.Start, segment.Length);
                    RandomAccess.Write(_file, bytes, _writeOffset);
                    _hash.AppendData(bytes);
                    _writeOffset += segment.Length;
                    if (first)
                    {
                        first = false;
                        _afterFirstWrite?.Invoke(_writeOffset);
                    }
                }
                if (segment.EndsSlot) _free.Release();
            }
        }
        catch
        {
            // The reader must not wait for a slot or for the network any longer; what it hands
            // over from now on is dropped (the partial ends at the last good write).
            _failed.Cancel();
            try { _abortReader.Cancel(); } catch (ObjectDisposedException) { }
            throw;
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _queue.Writer.TryComplete();
        // Buffers go back to the pool only once the consumer cannot touch them any more.
        if (!_consumer.IsCompleted) return;
        foreach (var slot in _slots) if (slot is not null) ArrayPool<byte>.Shared.Return(slot);
        _free.Dispose();
        _failed.Dispose();
    }
}
