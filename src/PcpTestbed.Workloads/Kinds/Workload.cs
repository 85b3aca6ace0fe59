using PcpTestbed.Designs;
using PcpTestbed.Model;
using PcpTestbed.Workloads.Support;
using PcpTestbed.Workloads.Work;

namespace PcpTestbed.Workloads.Kinds;

/// <summary>
/// A workload: what each emulated CPU does, one step (normally one allocator call, with the kernel work around it) at
/// a time, with a quiescent point between steps. Steps run on the CPU's own thread; the coordinator reads the holdings
/// only at quiescent points.
/// </summary>
public abstract class Workload
{
    /// <summary>Folios between two CPUs' batches in <see cref="_batches"/>: 31 used, the rest a cache line apart.</summary>
    private const int BatchStride = 40;

    /// <summary>Each CPU's folio_batch, flat: CPU c uses [c * BatchStride, + 31). Written by that CPU only.</summary>
    private readonly Folio[] _batches;

    protected Workload(WorkloadContext context)
    {
        Context = context;
        Allocator = context.Allocator;
        Work = context.Work;
        FreeBatch = context.FreeBatch;
        _batches = new Folio[context.Cpus * BatchStride];
    }

    protected WorkloadContext Context { get; }

    protected IPageAllocator Allocator { get; }

    /// <summary>The kernel work charged around allocator calls.</summary>
    protected KernelWork Work { get; }

    /// <summary>Folios per free_unref_folios() call where the kernel batches (1 = one __free_pages() per chunk).</summary>
    protected int FreeBatch { get; }

    public abstract WorkloadKind Kind { get; }

    /// <summary>The workload's per-CPU counters (read at quiescent points or after the run).</summary>
    public WorkloadCounters[] Counters => Context.Counters;

    /// <summary>One step on <paramref name="cpu"/>.</summary>
    public abstract void Step(int cpu);

    /// <summary>
    /// Runs <paramref name="loop"/> with this workload's steps. A workload whose steps are the hot path overrides it
    /// with a struct of its own, so the loop calls its step directly; the default goes through <see cref="Step"/>.
    /// </summary>
    public virtual void RunSteps(ICpuStepLoop loop) => loop.Run(new VirtualSteps(this));

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

    /// <summary>__free_pages() of one chunk: the kernel paths that free one page at a time (a page_frag, a slab page, a kernel buffer).</summary>
    protected void Free(int cpu, HeldChunk chunk) => Allocator.Free(cpu, chunk.Pfn, chunk.Order);

    /// <summary>CPU <paramref name="cpu"/>'s folio_batch, to fill before <see cref="FreeFolios"/>.</summary>
    protected Span<Folio> Batch(int cpu) => _batches.AsSpan(cpu * BatchStride, MmuGather.FolioBatch);

    /// <summary>
    /// folios_put_refs() of the first <paramref name="count"/> (1..<see cref="FreeBatch"/>) entries of
    /// <see cref="Batch"/>: one free_unref_folios() call, or with <see cref="FreeBatch"/> 1 one __free_pages() each (the
    /// testbed before batched frees, to measure the difference).
    /// </summary>
    protected void FreeFolios(int cpu, int count)
    {
        var batch = _batches.AsSpan(cpu * BatchStride, count);
        if (FreeBatch == 1)
        {
            foreach (var folio in batch)
            {
                Allocator.Free(cpu, folio.Pfn, folio.Order);
            }

            return;
        }

        Allocator.FreeUnrefFolios(cpu, batch);
    }

    /// <summary>
    /// One step of an unmap through the mmu_gather (munmap()'s unmap_region(), exit_mmap()): at the start of a gather
    /// the zap of up to <see cref="MmuGather.MaxPages"/> pages and tlb_flush_mmu()'s flush are charged; then each step
    /// frees the next folio_batch of the gathered pages, as tlb_batch_pages_flush() hands them to free_unref_folios().
    /// <paramref name="gathered"/> is the CPU's count of gathered pages not yet freed.
    /// </summary>
    /// <returns>Pages freed (0 when <paramref name="held"/> was empty).</returns>
    protected int UnmapStep(int cpu, HeldPages held, ref int gathered, bool newestFirst)
    {
        if (held.Count == 0)
        {
            gathered = 0;
            return 0;
        }

        if (gathered == 0)
        {
            gathered = Math.Min(held.Count, MmuGather.MaxPages);
            Work.Unmap(cpu, gathered);
            Work.TlbFlush(cpu);
        }

        var n = Math.Min(gathered, FreeBatch);
        held.PopFolios(Batch(cpu)[..n], newestFirst);
        gathered -= n;
        FreeFolios(cpu, n);
        return n;
    }

    /// <summary>A step with nothing to do: on OS threads the host core goes to a CPU that has work (2 cores run many CPU threads).</summary>
    protected void Idle(int cpu)
    {
        Context.Counters[cpu].IdleSteps++;
        Work.Idle(cpu);
    }

    /// <summary>The default steps: the virtual <see cref="Step"/>.</summary>
    private readonly struct VirtualSteps(Workload workload) : IWorkloadSteps
    {
        public void Step(int cpu) => workload.Step(cpu);
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
