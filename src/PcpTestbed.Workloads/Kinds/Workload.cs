using PcpTestbed.Designs;
using PcpTestbed.Model;
using PcpTestbed.Workloads.Support;

namespace PcpTestbed.Workloads.Kinds;

/// <summary>
/// A workload: what each emulated CPU does, one step (normally one allocator call) at a time, with a
/// quiescent point between steps. Steps run on the CPU's own thread; the coordinator reads the holdings
/// only at quiescent points.
/// </summary>
public abstract class Workload(WorkloadContext context)
{
    protected WorkloadContext Context { get; } = context;

    protected IPageAllocator Allocator => Context.Allocator;

    public abstract WorkloadKind Kind { get; }

    /// <summary>The workload's per-CPU counters (read at quiescent points or after the run).</summary>
    public WorkloadCounters[] Counters => Context.Counters;

    /// <summary>One step on <paramref name="cpu"/>.</summary>
    public abstract void Step(int cpu);

    /// <summary>Queues of chunks in flight between CPUs, for the census and the final release.</summary>
    protected virtual IEnumerable<ChunkQueue> Queues => [];

    /// <summary>Pages the workload holds: every CPU's holdings and its queues. Exact at quiescent points.</summary>
    public long HeldPages => Context.Held.Sum(h => h.Pages) + Queues.Sum(q => q.Pages);

    /// <summary>Frees everything the workload holds, as <paramref name="cpu"/> (after the run, with every CPU stopped).</summary>
    public void ReleaseAll(int cpu)
    {
        foreach (var held in Context.Held)
        {
            while (held.Count > 0)
            {
                var chunk = held.PopOldest();
                Allocator.Free(cpu, chunk.Pfn, chunk.Order);
            }
        }

        foreach (var queue in Queues)
        {
            while (queue.TryDequeue(out var chunk))
            {
                Allocator.Free(cpu, chunk.Pfn, chunk.Order);
            }
        }
    }

    protected bool TryAllocate(int cpu, Gfp gfp, int order, out HeldChunk chunk)
    {
        var result = Allocator.Allocate(cpu, gfp, order);
        chunk = new HeldChunk(result.Pfn, order);
        return result.Succeeded;
    }

    protected void Free(int cpu, HeldChunk chunk) => Allocator.Free(cpu, chunk.Pfn, chunk.Order);

    /// <summary>A step with nothing to do: give the host core to a CPU that has work (2 cores run many CPU threads).</summary>
    protected void Idle(int cpu)
    {
        Context.Counters[cpu].IdleSteps++;
        Thread.Yield();
    }

    public static Workload Create(WorkloadKind kind, WorkloadContext context) => kind switch
    {
        WorkloadKind.PageFault => new PageFaultWorkload(context, WorkloadKind.PageFault),
        WorkloadKind.Cma => new PageFaultWorkload(context, WorkloadKind.Cma),
        WorkloadKind.Purge => new PurgeWorkload(context),
        WorkloadKind.Exit => new ExitWorkload(context),
        WorkloadKind.Udp => new UdpWorkload(context),
        WorkloadKind.Mixed => new MixedWorkload(context),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
