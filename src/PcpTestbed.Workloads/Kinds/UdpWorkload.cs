using PcpTestbed.Model;
using PcpTestbed.Workloads.Support;
using PcpTestbed.Workloads.Work;

namespace PcpTestbed.Workloads.Kinds;

/// <summary>
/// udp (a network receive path): receive CPUs allocate order-1 GFP_ATOMIC page fragments (or of
/// <see cref="WorkloadParameters.UdpRxOrder"/>), falling back to order 0 when that fails as page_frag refills do,
/// and hand them to consumer CPUs, which free them. Runs with highatomic reserves present, so the highatomic variants differ.
/// </summary>
/// <remarks>
/// Each allocation serves as many 1500-MTU packets as fit (<see cref="PageFrag.Packets"/>: 4 at order 1, 2 at
/// order 0): the receiver charges their receive path, the consumer their recvmsg(). The consumer frees each chunk with
/// one __free_pages() (skb_free_frag() puts the page_frag's page when its last fragment goes: one page at a time, no
/// batch). Two simplifications, kept because this workload exists to exercise the highatomic rules at order 1 (their
/// tests and the README's tables are measured there): mainline page_frag refills are order 3 (32 KiB,
/// PAGE_FRAG_CACHE_MAX_SIZE), and since 6.18 UDP frees a received skb on the CPU that received it
/// (skb_attempt_defer_free(), Eric Dumazet's "udp: use skb_attempt_defer_free()", commit 6471658dc66c), where this
/// workload frees on the consumer, as before 6.18 (and as a full defer list still does).
/// <para>
/// A receive order above PAGE_ALLOC_COSTLY_ORDER is a driver's own RX buffers, not page_frag's (whose largest refill is
/// order 3): Chelsio's cxgb4 (drivers/net/ethernet/chelsio/cxgb4/sge.c) refills its free lists from the NAPI poll
/// (__refill_fl(): refill_fl(..., GFP_ATOMIC)) with alloc_pages_node(node, gfp | __GFP_COMP, s->fl_pg_order), "Prefer
/// large buffers", and falls back to single pages when that fails; fl_pg_order is ilog2(SGE_FL_BUFFER_SIZE1) -
/// PAGE_SHIFT, the 64 KiB large-page buffer (FL_PG_ORDER, 16 - PAGE_SHIFT = 4) several packets are packed into. So
/// <c>--rx-order 4</c> is that driver's receive path: GFP_ATOMIC order-4 allocations, each falling back to order 0.
/// </para>
/// </remarks>
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

        if (TryAllocate(cpu, Gfp.Atomic, Context.Parameters.UdpRxOrder, out var chunk) || Fallback(cpu, out chunk))
        {
            Work.Receive(cpu, PageFrag.Packets(chunk.Order));
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
            Work.Consume(cpu, PageFrag.Packets(chunk.Order));
            Free(cpu, chunk);
            return;
        }

        Idle(cpu);
    }
}
