using System.Collections.Concurrent;

namespace PcpTestbed.Workloads.Support;

/// <summary>
/// Chunks handed from CPUs that allocated them to a CPU that will free them (a purger, a consumer, an
/// inbox). Multi-producer, bounded by a soft capacity in pages so producers back off instead of
/// exhausting the zone. This is the workload's plumbing, not the allocator's: it uses .NET's lock-free queue and is not
/// measured by the emulated lock statistics.
/// </summary>
public sealed class ChunkQueue(long capacityPages)
{
    private readonly ConcurrentQueue<HeldChunk> _queue = new();
    private long _pages;

    public long CapacityPages { get; } = capacityPages;

    public bool IsFull => Pages >= CapacityPages;

    public int Count => _queue.Count;

    /// <summary>Pages in the queue: a racy sum, exact at quiescent points.</summary>
    public long Pages => Interlocked.Read(ref _pages);

    public void Enqueue(HeldChunk chunk)
    {
        Interlocked.Add(ref _pages, chunk.Pages);
        _queue.Enqueue(chunk);
    }

    public bool TryDequeue(out HeldChunk chunk)
    {
        if (!_queue.TryDequeue(out chunk))
        {
            return false;
        }

        Interlocked.Add(ref _pages, -chunk.Pages);
        return true;
    }

    public IEnumerable<HeldChunk> Snapshot() => _queue.ToArray();
}
