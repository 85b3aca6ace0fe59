using PcpTestbed.Model;
using PcpTestbed.Workloads.Support;

namespace PcpTestbed.Workloads.Kinds;

/// <summary>
/// mixed: orders 0-3 and 9 by a weighted mix, every migratetype (movable user pages, unmovable kernel
/// pages, reclaimable slab, GFP_ATOMIC), and a share of frees handed to a random other CPU's inbox.
/// Each CPU keeps its holdings under a cap so the zone is shared fairly.
/// </summary>
/// <remarks>
/// It stands for no one kernel path, so it charges simply: an allocation of order n a fault and the clear of its 2^n
/// pages (one real 4 KiB clear, the rest as busy time), a free of order n the unmap of its 2^n pages. Frees are single
/// __free_pages() calls: slab pages, kernel buffers, THPs and page-cache pages handed over by RCU or a workqueue reach
/// the allocator one at a time.
/// </remarks>
public sealed class MixedWorkload : Workload
{
    private readonly ChunkQueue[] _inboxes;
    private readonly int[] _orders;
    private readonly long _holdCapPages;

    public MixedWorkload(WorkloadContext context)
        : base(context)
    {
        _inboxes = [.. Enumerable.Range(0, context.Cpus).Select(_ => new ChunkQueue(context.Parameters.QueueCapacityPages))];
        _orders = [.. context.Parameters.OrderMix.SelectMany(m => Enumerable.Repeat(m.Order, m.Weight))];
        _holdCapPages = Math.Max(PageAlloc.MaxOrderNrPages, context.Allocator.Zone.PresentPages / (4L * context.Cpus));
    }

    public override WorkloadKind Kind => WorkloadKind.Mixed;

    protected override IEnumerable<ChunkQueue> Queues => _inboxes;

    public override void Step(int cpu)
    {
        // Frees handed over by other CPUs come first, like an RCU or workqueue callback batch.
        if (_inboxes[cpu].TryDequeue(out var remote))
        {
            Work.Unmap(cpu, remote.Pages);
            Free(cpu, remote);
            return;
        }

        var random = Context.Random[cpu];
        var held = Context.Held[cpu];
        var allocate = held.Count == 0 || (held.Pages < _holdCapPages && random.Percent(55));
        if (allocate)
        {
            var order = _orders[random.Next(_orders.Length)];
            if (TryAllocate(cpu, PickGfp(random), order, out var chunk))
            {
                Work.Fault(cpu, order);
                held.Push(chunk);
            }

            return;
        }

        var victim = held.PopRandom(random);
        if (Context.Cpus > 1 && random.Percent(Context.Parameters.RemoteFreePercent))
        {
            var other = (cpu + 1 + random.Next(Context.Cpus - 1)) % Context.Cpus;
            if (!_inboxes[other].IsFull)
            {
                _inboxes[other].Enqueue(victim);
                Context.Counters[cpu].HandedOffPages += victim.Pages;
                return;
            }
        }

        Work.Unmap(cpu, victim.Pages);
        Free(cpu, victim);
    }

    private static Gfp PickGfp(CpuRandom random) => random.Next(100) switch
    {
        < 60 => Gfp.HighUserMovable,
        < 85 => Gfp.Kernel,
        < 95 => Gfp.Kernel | Gfp.Reclaimable,
        _ => Gfp.Atomic,
    };
}
