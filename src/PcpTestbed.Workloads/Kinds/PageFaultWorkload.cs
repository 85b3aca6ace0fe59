using System.Runtime.InteropServices;
using PcpTestbed.Model;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Workloads.Kinds;

/// <summary>
/// page-fault (will-it-scale page_fault1, process mode): each CPU faults in a run of order-0 movable pages (128 MiB,
/// <see cref="WorkloadSizes.PageFault1Pages"/>), then unmaps them, freeing in address order, on the same CPU. Nothing
/// crosses CPUs. Each fault charges the fault path and clear_page(); the munmap goes through the mmu_gather (the zap
/// and a local TLB flush per gather of up to 9,698 pages, then free_unref_folios() per folio_batch). The cma workload
/// is the same on a zone with a CMA share, so movable allocations meet the CMA balancing rule.
/// </summary>
/// <remarks>
/// The mmap() and munmap() syscalls themselves (once per 128 MiB) are not charged: amortised over 32,768 pages they are
/// far below the per-page figures' spread.
/// </remarks>
public sealed class PageFaultWorkload : Workload
{
    private readonly PerCpu[] _cpus; // each written by its CPU only
    private readonly int _runLength;

    public PageFaultWorkload(WorkloadContext context, WorkloadKind kind)
        : base(context)
    {
        Kind = kind;
        _runLength = context.Sizes.RunLengthPages;
        _cpus = new PerCpu[context.Cpus];
        context.ReserveHeld(_runLength);
        for (var cpu = 0; cpu < context.Cpus; cpu++)
        {
            _cpus[cpu].Held = context.Held[cpu];
        }
    }

    public override WorkloadKind Kind { get; }

    public override void Step(int cpu)
    {
        ref var me = ref _cpus[cpu];
        var held = me.Held;
        if (!me.Unmapping)
        {
            if (TryAllocate(cpu, Gfp.HighUserMovable, 0, out var chunk))
            {
                Work.Fault(cpu);
                held.Push(chunk);
            }

            // A failed fault ends the run early: unmap what was mapped.
            if (chunk.Pfn < 0 || held.Count >= _runLength)
            {
                me.Unmapping = true;
            }

            return;
        }

        UnmapStep(cpu, held, ref me.Gathered, newestFirst: false);
        if (held.Count == 0)
        {
            me.Unmapping = false;
            Context.Counters[cpu].Cycles++;
        }
    }

    /// <summary>A CPU's phase, on a line of its own.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct PerCpu // do not make readonly: written in place by its CPU
    {
        private CacheLinePad _before;

        /// <summary>The CPU's holdings (<see cref="WorkloadContext.Held"/>), kept beside its phase.</summary>
        public Support.HeldPages Held;

        public bool Unmapping;

        /// <summary>Pages of the current mmu_gather not yet freed.</summary>
        public int Gathered;

        private CacheLinePad _after;
    }
}
