namespace PcpTestbed.Designs;

/// <summary>How an allocator instance is set up. Everything has the kernel's default.</summary>
public sealed record AllocatorConfig
{
    /// <summary>Emulated CPUs (independent of the host's cores).</summary>
    public required int Cpus { get; init; }

    public HighatomicVariant Highatomic { get; init; } = HighatomicVariants.Default;

    public InjectedBug Bugs { get; init; } = InjectedBug.None;

    public IReclaimHooks Reclaim { get; init; } = NoReclaim.Instance;

    /// <summary>
    /// ALLOC_NOFRAGMENT on the fast path: alloc_flags_nofragment() sets it for ZONE_NORMAL when ZONE_DMA32
    /// exists (every x86-64 machine). The emulation has only the Normal zone, so a failed first pass retries
    /// the same zone without it.
    /// </summary>
    public bool NoFragmentFastpath { get; init; } = true;

    /// <summary>
    /// The per-CPU data cache slice size that decides PCPF_FREE_HIGH_BATCH (set when it holds more than
    /// 3 * batch pages). 2 MiB, a typical L3 slice per core on server parts.
    /// </summary>
    public long CacheSliceBytes { get; init; } = 2 << 20;

    /// <summary>
    /// Pageblock designs: bound refill phases 0 and 1 (whole blocks' worth of pages) by the PCP's room,
    /// pcp->high - pcp->count. Off by default: the RFC describes the phases with no bound, and on zones
    /// whose high is below a pageblock its PCPs then overfill and drain at once, which is worth seeing. On,
    /// small or pressured zones fall through to phases 2 and 3, which is one reading of the RFC's claim
    /// that it degrades to the current behaviour there. An experiment switch, not part of the posted RFC.
    /// </summary>
    public bool PageblockRefillWithinHigh { get; init; }

    /// <summary>
    /// The free path before 6.19: free_frozen_page_commit() and decay_pcp_high() free everything they free under one
    /// pcp->lock and one zone->lock hold. Off by default, which is the seeds' tree (~v7.2-rc1): since 6.19 (Joshua Hahn,
    /// "mm/page_alloc: batch page freeing in free_frozen_page_commit" and "... in decay_pcp_high") both free in chunks
    /// of pcp->batch, one zone->lock hold each, and free_frozen_page_commit() drops pcp->lock between chunks. An
    /// experiment switch, to measure before and after in one binary; the pageblock designs follow it too.
    /// </summary>
    public bool UnchunkedPcpFree { get; init; }

    /// <summary>
    /// Lockdep and check_new_page() in the zone: the allocator hands the zone its execution (<see cref="Model.Sync.ZoneSeam{TExec}"/>)
    /// when this is on and the execution checks locks (<see cref="Model.Sync.IExecution.Lockdep"/>: Coyote, single-threaded
    /// runs, OS threads under lockdep). The designs' own assertions follow the execution alone. On by default; measured
    /// runs turn it off.
    /// </summary>
    public bool Lockdep { get; init; } = true;

    /// <summary>
    /// CONFIG_DEBUG_VM's warnings (VM_WARN_ON()), or null (the default): the checks of rules a quiescent audit cannot see,
    /// made where they must hold, under zone->lock. Today one rule, __rmqueue()'s CMA-first balancing, checked in
    /// __rmqueue() for every design and in the pageblock refill's phases 0 and 2 on pageblock-cmafix only (the design that
    /// promises it there). The checks add no scheduling point and change nothing the allocator does.
    /// </summary>
    public Model.Audit.VmWarnings? DebugVm { get; init; }
}
