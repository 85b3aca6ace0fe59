using System.Runtime.InteropServices;
using PcpTestbed.Model;
using PcpTestbed.Model.Sync;
using PcpTestbed.Workloads.Support;

namespace PcpTestbed.Workloads.Kinds;

/// <summary>
/// purge (jemalloc's purger threads): application CPUs fault pages in and retire them to a purger's queue, the dirty
/// pages of the arena; a few purger CPUs give them back to the kernel in allocator-sized extents, one
/// madvise(MADV_DONTNEED) each. Allocation and free happen on different CPUs, which is the affinity violation the
/// pageblock RFC targets. The last CPUs are the purgers. A lone CPU (a CPU sweep's one-CPU baseline) both allocates
/// and purges its own queue when it fills, so nothing crosses CPUs there.
/// </summary>
/// <remarks>
/// <para>
/// An application CPU's allocation is a refault of purged memory: the fault path and clear_page(). A purger draws an
/// extent size (log-uniform over 1..<see cref="WorkloadSizes.PurgeExtentMaxPages"/>), waits until its queue holds that
/// many pages (or, after <see cref="PurgeAnywayAfterIdleSteps"/> idle steps, purges what there is: jemalloc's decay
/// purges whatever has aged), then charges the madvise() call, the zap of each page and the TLB shootdown (the purger
/// waits; each application CPU handles an IPI, as the process's threads run there) and frees the extent's pages through
/// the mmu_gather: one free_unref_folios() per folio_batch, a step each.
/// </para>
/// <para>
/// Which pages form an extent is not modelled: the purger takes the oldest pages of its queue, whichever CPU faulted
/// them. Physical pages of a virtually contiguous extent are scattered anyway; what reaches the allocator is the count
/// per madvise() and the CPU that frees them.
/// </para>
/// </remarks>
public sealed class PurgeWorkload : Workload
{
    /// <summary>Idle steps with pages waiting after which a purger purges a short extent (jemalloc's decay does not wait for a size).</summary>
    public const int PurgeAnywayAfterIdleSteps = 64;

    private readonly int _purgers;
    private readonly int _firstPurger;
    private readonly int _extentMax;
    private readonly ChunkQueue[] _queues;
    private readonly PerCpu[] _cpus; // each written by its CPU only

    public PurgeWorkload(WorkloadContext context)
        : base(context)
    {
        _purgers = context.Parameters.EffectivePurgers(context.Cpus);
        _firstPurger = context.Cpus == 1 ? 1 : context.Cpus - _purgers;
        _extentMax = context.Sizes.PurgeExtentMaxPages;
        _queues = [.. Enumerable.Range(0, _purgers).Select(_ => new ChunkQueue(context.Parameters.QueueCapacityPages))];
        _cpus = new PerCpu[context.Cpus];
        for (var cpu = 0; cpu < context.Cpus; cpu++)
        {
            _cpus[cpu].NextExtent = context.Random[cpu].LogUniform(_extentMax);
        }
    }

    public override WorkloadKind Kind => WorkloadKind.Purge;

    public int Purgers => _purgers;

    protected override IEnumerable<ChunkQueue> Queues => _queues;

    public override void Step(int cpu)
    {
        if (cpu >= _firstPurger)
        {
            Purge(cpu, _queues[cpu - _firstPurger]);
            return;
        }

        var queue = _queues[cpu % _purgers];
        if (Context.Cpus == 1 && (_cpus[cpu].ExtentLeft > 0 || queue.IsFull))
        {
            Purge(cpu, queue);
            return;
        }

        if (queue.IsFull)
        {
            // The purgers are behind: the application waits for memory to come back.
            Idle(cpu);
            return;
        }

        if (TryAllocate(cpu, Gfp.HighUserMovable, 0, out var chunk))
        {
            Work.Fault(cpu);
            queue.Enqueue(chunk);
            Context.Counters[cpu].HandedOffPages++;
        }
        else
        {
            Idle(cpu);
        }
    }

    /// <summary>A purger's step: start an extent when enough pages wait, then free it a folio_batch per step.</summary>
    private void Purge(int cpu, ChunkQueue queue)
    {
        ref var me = ref _cpus[cpu];
        if (me.ExtentLeft == 0 && !StartExtent(cpu, queue, ref me))
        {
            me.IdleStreak++;
            Idle(cpu);
            return;
        }

        var batch = Batch(cpu);
        var n = 0;
        while (n < FreeBatch && n < me.ExtentLeft && queue.TryDequeue(out var page))
        {
            batch[n++] = page.AsFolio;
        }

        // Only this CPU takes from its queue, so the pages counted when the extent began are there or on their way: an
        // application CPU counts a page in the queue just before the page itself goes in. A short take waits for them.
        me.ExtentLeft -= n;
        if (n == 0)
        {
            Idle(cpu);
            return;
        }

        FreeFolios(cpu, n);
    }

    /// <summary>madvise(MADV_DONTNEED) of the next extent, if its pages are there: the call, the zap, the shootdown.</summary>
    private bool StartExtent(int cpu, ChunkQueue queue, ref PerCpu me)
    {
        var waiting = queue.Pages;
        if (waiting < me.NextExtent && (waiting == 0 || me.IdleStreak < PurgeAnywayAfterIdleSteps))
        {
            return false;
        }

        var pages = (int)Math.Min(me.NextExtent, waiting);
        me.ExtentLeft = pages;
        me.IdleStreak = 0;
        me.NextExtent = Context.Random[cpu].LogUniform(_extentMax);

        // The application's threads run on the CPUs before the purgers; a lone CPU's process has no other thread to flush.
        var targets = Context.Cpus == 1 ? 0 : _firstPurger;
        Work.Madvise(cpu, pages, firstTarget: 0, targets);
        return true;
    }

    /// <summary>A CPU's purge state, on a line of its own.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct PerCpu // do not make readonly: written in place by its CPU
    {
        private CacheLinePad _before;

        /// <summary>Pages of the current extent not yet freed.</summary>
        public int ExtentLeft;

        /// <summary>The size of the next extent, drawn when the last one began.</summary>
        public int NextExtent;

        /// <summary>Idle steps since the last extent began.</summary>
        public int IdleStreak;

        private CacheLinePad _after;
    }
}
