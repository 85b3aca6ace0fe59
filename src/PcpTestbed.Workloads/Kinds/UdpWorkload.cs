using PcpTestbed.Model;
using PcpTestbed.Workloads.Support;

namespace PcpTestbed.Workloads.Kinds;

/// <summary>
/// udp (a network receive path): receive CPUs allocate order-1 GFP_ATOMIC page fragments, falling back to
/// order 0 when that fails as page_frag refills do, and hand them to consumer CPUs, which free them.
/// Runs with highatomic reserves present, so the highatomic variants differ.
/// </summary>
public sealed class UdpWorkload : Workload
{
    private readonly int _receivers;
    private readonly ChunkQueue[] _queues;

    public UdpWorkload(WorkloadContext context)
        : base(context)
    {
        _receivers = context.Parameters.EffectiveReceivers(context.Cpus);
        var consumers = Math.Max(1, context.Cpus - _receivers);
        _queues = [.. Enumerable.Range(0, consumers).Select(_ => new ChunkQueue(context.Parameters.QueueCapacityPages))];
    }

    public override WorkloadKind Kind => WorkloadKind.Udp;

    public int Receivers => _receivers;

    protected override IEnumerable<ChunkQueue> Queues => _queues;

    public override void Step(int cpu)
    {
        if (cpu >= _receivers)
        {
            Consume(cpu, _queues[(cpu - _receivers) % _queues.Length]);
            return;
        }

        var queue = _queues[cpu % _queues.Length];
        if (queue.IsFull)
        {
            // A lone CPU receives and consumes; otherwise the receiver waits for its consumer.
            if (Context.Cpus == 1)
            {
                Consume(cpu, queue);
            }
            else
            {
                Idle(cpu);
            }

            return;
        }

        if (TryAllocate(cpu, Gfp.Atomic, 1, out var chunk) || Fallback(cpu, out chunk))
        {
            queue.Enqueue(chunk);
            Context.Counters[cpu].HandedOffPages += chunk.Pages;
        }
    }

    private bool Fallback(int cpu, out HeldChunk chunk)
    {
        Context.Counters[cpu].OrderZeroFallbacks++;
        return TryAllocate(cpu, Gfp.Atomic, 0, out chunk);
    }

    private void Consume(int cpu, ChunkQueue queue)
    {
        if (queue.TryDequeue(out var chunk))
        {
            Free(cpu, chunk);
            return;
        }

        Idle(cpu);
    }
}
