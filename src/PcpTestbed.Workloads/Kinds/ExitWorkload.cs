using System.Runtime.InteropServices;
using PcpTestbed.Model;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Workloads.Kinds;

/// <summary>
/// exit (concurrent process exits): every CPU faults in a process of 256 MiB (<see cref="WorkloadSizes.ExitPages"/>),
/// then all free everything at once. The "at once" is a wave every <see cref="WavePeriod"/> on the run's clock: a CPU
/// that is full waits for the next wave and then tears its process down; CPUs that filled in time free together,
/// avalanching their PCPs. A wave clock rather than a barrier keeps an offline CPU from holding the others up. The
/// teardown is exit_mmap(): the zap per page and a flush per mmu_gather (fullmm: no IPIs), then free_unref_folios() per
/// folio_batch (Huang Ying's trace in "[PATCH -V3 1/9] mm, pcp: avoid to drain PCP when process exit", 2023-10-16:
/// free_unref_page_list ⇐ release_pages ⇐ tlb_batch_pages_flush ⇐ tlb_finish_mmu ⇐ exit_mmap).
/// </summary>
public sealed class ExitWorkload : Workload
{
    public static readonly TimeSpan WavePeriod = TimeSpan.FromMilliseconds(20);

    private static readonly long WaveNs = (long)WavePeriod.TotalNanoseconds;

    private readonly PerCpu[] _cpus; // each written by its CPU only
    private readonly int _fill;

    public ExitWorkload(WorkloadContext context)
        : base(context)
    {
        _fill = context.Sizes.ExitFillPages;
        _cpus = new PerCpu[context.Cpus];
        context.ReserveHeld(_fill);
        for (var cpu = 0; cpu < context.Cpus; cpu++)
        {
            _cpus[cpu].Held = context.Held[cpu];
        }
    }

    public override WorkloadKind Kind => WorkloadKind.Exit;

    public override void Step(int cpu)
    {
        ref var me = ref _cpus[cpu];
        var held = me.Held;
        if (me.ExitWave == 0)
        {
            if (held.Pages < _fill && TryAllocate(cpu, Gfp.HighUserMovable, 0, out var chunk))
            {
                Work.Fault(cpu);
                held.Push(chunk);
                return;
            }

            // Full (or out of memory): exit with the next wave.
            me.ExitWave = Wave(cpu) + 1;
            return;
        }

        if (Wave(cpu) < me.ExitWave)
        {
            Idle(cpu);
            return;
        }

        if (held.Count > 0)
        {
            UnmapStep(cpu, held, ref me.Gathered, newestFirst: true);
            return;
        }

        me.ExitWave = 0;
        Context.Counters[cpu].Cycles++;
    }

    private long Wave(int cpu) => Context.Clock.NowNs(cpu) / WaveNs;

    /// <summary>A CPU's phase, on a line of its own.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct PerCpu // do not make readonly: written in place by its CPU
    {
        private CacheLinePad _before;

        /// <summary>The CPU's holdings (<see cref="WorkloadContext.Held"/>), kept beside its phase.</summary>
        public Support.HeldPages Held;

        /// <summary>The wave the CPU exits in; 0 while it fills.</summary>
        public long ExitWave;

        /// <summary>Pages of the current mmu_gather not yet freed.</summary>
        public int Gathered;

        private CacheLinePad _after;
    }
}
