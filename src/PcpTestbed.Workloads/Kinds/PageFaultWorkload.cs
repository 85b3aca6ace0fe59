using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PcpTestbed.Model;
using PcpTestbed.Model.Sync;
using PcpTestbed.Workloads.Support;
using PcpTestbed.Workloads.Work;

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

    /// <summary>The virtual step, off the hot path: <see cref="KernelWork.Fault"/> tests the scale itself.</summary>
    public override void Step(int cpu) => FaultOrUnmap<FaultCharged>(cpu);

    /// <summary>The CPU loop runs steps compiled for the scale: at 0 without the kernel work's test (<see cref="IFaultCharge"/>).</summary>
    public override void RunSteps(ICpuStepLoop loop)
    {
        if (Work.Charges)
        {
            loop.Run(new Steps<FaultCharged>(this));
        }
        else
        {
            loop.Run(new Steps<FaultUncharged>(this));
        }
    }

    /// <summary>A fault, or a step of the munmap. The fault path is small enough for the CPU loop to inline: it is most steps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void FaultOrUnmap<TCharge>(int cpu)
        where TCharge : struct, IFaultCharge
    {
        ref var me = ref _cpus[cpu];
        if (me.Unmapping)
        {
            Unmap(cpu, ref me);
            return;
        }

        var pfn = Allocator.Allocate(cpu, Gfp.HighUserMovable, 0).Pfn;
        if (pfn >= 0)
        {
            if (TCharge.Charges)
            {
                Work.Fault(cpu);
            }

            var held = me.Held;
            held.Push(new HeldChunk(pfn, 0));
            if (held.Count < _runLength)
            {
                return;
            }
        }

        // The run is mapped, or a failed fault ends it early: unmap what was mapped.
        me.Unmapping = true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Unmap(int cpu, ref PerCpu me)
    {
        UnmapStep(cpu, me.Held, ref me.Gathered, newestFirst: false);
        if (me.Held.Count == 0)
        {
            me.Unmapping = false;
            Context.Counters[cpu].Cycles++;
        }
    }

    /// <summary>This workload's steps for the CPU loop, called directly.</summary>
    private readonly struct Steps<TCharge>(PageFaultWorkload workload) : IWorkloadSteps
        where TCharge : struct, IFaultCharge
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step(int cpu) => workload.FaultOrUnmap<TCharge>(cpu);
    }

    /// <summary>A CPU's phase, on a line of its own.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct PerCpu // do not make readonly: written in place by its CPU
    {
        private CacheLinePad _before;

        /// <summary>The CPU's holdings (<see cref="WorkloadContext.Held"/>), kept beside its phase.</summary>
        public HeldPages Held;

        public bool Unmapping;

        /// <summary>Pages of the current mmu_gather not yet freed.</summary>
        public int Gathered;

        private CacheLinePad _after;
    }
}
