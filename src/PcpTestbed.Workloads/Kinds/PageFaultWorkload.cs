using PcpTestbed.Model;

namespace PcpTestbed.Workloads.Kinds;

/// <summary>
/// page-fault (will-it-scale page_fault1): each CPU faults in a run of order-0 movable pages, then unmaps
/// them, freeing in address order, on the same CPU. Nothing crosses CPUs. The cma workload is the same
/// on a zone with a CMA share, so movable allocations meet the CMA balancing rule.
/// </summary>
public sealed class PageFaultWorkload(WorkloadContext context, WorkloadKind kind) : Workload(context)
{
    private readonly bool[] _unmapping = new bool[context.Cpus]; // per CPU, written by that CPU only

    public override WorkloadKind Kind { get; } = kind;

    public override void Step(int cpu)
    {
        var held = Context.Held[cpu];
        if (!_unmapping[cpu])
        {
            if (TryAllocate(cpu, Gfp.HighUserMovable, 0, out var chunk))
            {
                held.Push(chunk);
            }

            // A failed fault ends the run early: unmap what was mapped.
            if (chunk.Pfn < 0 || held.Count >= Context.Parameters.RunLength)
            {
                _unmapping[cpu] = true;
            }

            return;
        }

        if (held.Count > 0)
        {
            Free(cpu, held.PopOldest());
        }

        if (held.Count == 0)
        {
            _unmapping[cpu] = false;
            Context.Counters[cpu].Cycles++;
        }
    }
}
