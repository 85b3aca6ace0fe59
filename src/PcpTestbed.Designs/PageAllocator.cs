using System.Runtime.CompilerServices;
using PcpTestbed.Model;
using PcpTestbed.Model.Audit;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs;

/// <summary>
/// What every design shares: the allocation entry with the kernel's fast and slow paths
/// (__alloc_pages(), get_page_from_freelist(), rmqueue(), rmqueue_buddy()), the free entry with
/// its misuse checks, PCP sizing, drains, CPU hotplug and statistics. A design supplies the PCP
/// itself: rmqueue_pcplist(), the free to a PCP, free_pcppages_bulk() and its audit.
/// </summary>
public abstract partial class PageAllocator<TExec> : IPageAllocator where TExec : struct, IExecution
{
    /// <summary>The most emulated CPUs an allocator accepts.</summary>
    public const int MaxCpus = 1024;

    protected readonly Zone _zone;
    protected readonly Page[] _pages;
    protected readonly PerCpuPages[] _pcps;
    protected readonly CpuCounters[] _stats;
    protected readonly AllocatorConfig _config;
    protected readonly InjectedBug _bugs;
    protected TExec _exec; // not readonly: calls on a struct field must not copy it

    private readonly int[] _online; // 1 while the CPU is online; written by hotplug, read racily
    private long _highatomicReservedStart; // reset with the statistics
    private long _highatomicReservedMax; // guarded by zone->lock
    private int _drainMutex; // pcpu_drain_mutex: 1 while a drain_all_pages() runs

    /// <summary>
    /// True while the CPU's allocation is in direct reclaim (<see cref="IReclaimHooks.DirectReclaim"/>), the only time its
    /// reclaim may free pages as that allocation's (<see cref="FreeReclaimed"/>). The CPU's own: written and read on it.
    /// </summary>
    private readonly bool[] _inDirectReclaim;

    protected PageAllocator(DesignKind design, Zone zone, AllocatorConfig config, TExec exec)
    {
        if (config.Cpus is < 1 or > MaxCpus)
        {
            throw new ArgumentOutOfRangeException(nameof(config), config.Cpus, $"expected 1..{MaxCpus} CPUs");
        }

        Design = design;
        _zone = zone;
        _pages = zone.Pages;
        _config = config;
        _bugs = config.Bugs;
        _exec = exec;

        // The zone reaches the execution for its lockdep and page checks only when the execution makes them.
        zone.AttachSeam(config.Lockdep && exec.Lockdep ? new ZoneSeam<TExec>(exec) : null);
        zone.DebugVm = config.DebugVm;
        _pcps = new PerCpuPages[config.Cpus];
        _stats = new CpuCounters[config.Cpus];
        _online = new int[config.Cpus];
        _inDirectReclaim = new bool[config.Cpus];
        for (var cpu = 0; cpu < config.Cpus; cpu++)
        {
            _pcps[cpu].Lock = new EmuSpinLock(LockClass.Pcp, cpu);
            _online[cpu] = 1;
        }

        ZonePcpUpdate();
        for (var cpu = 0; cpu < config.Cpus; cpu++)
        {
            // Before any CPU runs: nobody else can see the PCP yet.
            _pcps[cpu].Flags = CacheinfoFlags(_pcps[cpu].Flags, _pcps[cpu].Batch);
        }

        _highatomicReservedStart = zone.NrReservedHighatomic;
        _highatomicReservedMax = _highatomicReservedStart;
    }

    public DesignKind Design { get; }

    public Zone Zone => _zone;

    public AllocatorConfig Config => _config;

    public int Cpus => _pcps.Length;

    // IsOnline, PcpCount and Pcp are for observers (statistics, tests, scenario set-ups, the auditor at quiescent points):
    // racy reads with no scheduling point, which would be out of place at a quiescent point. The allocator's own racy
    // reads of the same fields go through the seam with their sites.

    public bool IsOnline(int cpu) => Volatile.Read(ref _online[cpu]) != 0;

    public int PcpCount(int cpu) => Volatile.Read(ref _pcps[cpu].Count);

    public PcpSnapshot Pcp(int cpu)
    {
        ref var pcp = ref _pcps[cpu];
        return new PcpSnapshot(Volatile.Read(ref pcp.Count), Volatile.Read(ref pcp.High), Volatile.Read(ref pcp.HighMin),
            Volatile.Read(ref pcp.HighMax), Volatile.Read(ref pcp.Batch), pcp.AllocFactor, pcp.FreeCount);
    }

    /// <summary>alloc_pages(): the fast path, then the slow path.</summary>
    public AllocResult Allocate(int cpu, Gfp gfp, int order)
    {
        CheckCpu(cpu);
        if (!PageAlloc.IsValidOrder(order))
        {
            throw new ArgumentOutOfRangeException(nameof(order), order, $"expected an order in 0..{PageAlloc.MaxPageOrder}");
        }

        _exec.OpBegin(cpu, AllocatorOp.Alloc, order, (long)gfp);
        var result = AllocateCore(cpu, gfp, order);
        _exec.OpEnd(cpu, result.Pfn);
        return result;
    }

    private AllocResult AllocateCore(int cpu, Gfp gfp, int order)
    {
        var mt = gfp.MigrateType();
        ref var st = ref _stats[cpu];

        // Statistics only, no decision depends on it (so not a scheduling point): __rmqueue()'s CMA balance test.
        var cmaOverHalf = mt == MigrateType.Movable && Zone.CmaOverHalf(_zone.NrFreeCmaPages, _zone.NrFreePages);
        BeforeAllocate(cpu);

        // The first attempt: the low watermark, no fragmenting fallbacks (alloc_flags_nofragment()).
        var flags = AllocFlags.WmarkLow | (AllocFlags)(gfp & Gfp.KswapdReclaim) | CmaFlags(gfp) | FastpathHighatomicFlags(gfp, order);
        if (_config.NoFragmentFastpath)
        {
            flags |= AllocFlags.NoFragment;
        }

        var pfn = GetPageFromFreelist(cpu, order, flags, mt, out var sourceMt);
        if (pfn >= 0)
        {
            CountFastpathHighatomic(ref st, gfp, order, sourceMt);
        }
        else
        {
            pfn = Slowpath(cpu, gfp, order, mt, out sourceMt);
            if (pfn < 0)
            {
                st.Failures++;
                return AllocResult.Failed;
            }

            st.SlowpathAllocations++;
        }

        st.Allocations++;
        st.AllocatedPages += 1L << order;
        st.SourcePages[(int)sourceMt] += 1L << order;
        st.PgallocByMigratetype[(int)mt] += 1L << order;
        if (cmaOverHalf)
        {
            st.MovableAllocsCmaOverHalf++;
            st.MovableAllocsCmaOverHalfFromCma += sourceMt == MigrateType.Cma ? 1 : 0;
        }

        return new AllocResult(_zone.AbsolutePfn(pfn));
    }

    /// <summary>__free_pages(): misuse checks first (nothing changes if they fail), then the buddy or a PCP.</summary>
    public void Free(int cpu, long pfn, int order)
    {
        CheckCpu(cpu);
        var rel = _zone.ValidateFree(pfn, order);
        _exec.OpBegin(cpu, AllocatorOp.Free, pfn, order);
        FreeCore(cpu, rel, order);
        _exec.OpEnd(cpu, 0);
    }

    /// <summary>
    /// A page direct reclaim frees inside the allocation that reclaims (try_to_free_pages() from __alloc_pages_slowpath()):
    /// __free_pages() reported as a page of that allocation (<see cref="IExecution.OpFolio"/>), not as an entry point of its
    /// own. The seam reports outermost entry points only; reported as one, the free overwrote a flight recorder's record of
    /// the allocation, whose entry then named no operation (replayed as a drain_all_pages(): 1 in seed 22's file of
    /// highatomic-cap-not-rechecked's row, `/work/tools/row.sh`, 2026-12-07 21:10, at 1be4f8a, load 24), and the
    /// allocation, its page and the reserve it unreserved were lost from the reproduction. An entry of its own, so the hot
    /// <see cref="Free"/> asks nothing about reclaim.
    /// </summary>
    /// <exception cref="InvalidOperationException">No allocation on <paramref name="cpu"/> is in direct reclaim: the page would join no entry point.</exception>
    public void FreeReclaimed(int cpu, long pfn, int order)
    {
        CheckCpu(cpu);
        if (!_inDirectReclaim[cpu])
        {
            throw new InvalidOperationException($"CPU {cpu} frees pfn {pfn} as direct reclaim's outside a direct reclaim; use Free");
        }

        var rel = _zone.ValidateFree(pfn, order);
        _exec.OpFolio(cpu, pfn, order);
        FreeCore(cpu, rel, order);
    }

    // Inlined so the hot Free is one body, as it was before FreeReclaimed shared it (the JIT called it otherwise: the
    // listing of Free on DirectExecution, DOTNET_JitDisasm, 2026-12-08).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void FreeCore(int cpu, int rel, int order)
    {
        TakeFromCaller(ref _stats[cpu], rel, order);
        if (!PageAlloc.PcpAllowedOrder(order))
        {
            // __free_pages_ok(): orders the PCP does not cache go straight to the buddy.
            FreeOnePage(cpu, rel, order, LockSite.DirectFree);
        }
        else
        {
            FreeUnrefPage(cpu, rel, order);
        }
    }

    /// <summary>
    /// free_unref_folios(): a batch of 1..PAGEVEC_SIZE chunks, as folios_put_refs() hands it over from the mmu_gather
    /// (munmap, MADV_DONTNEED, exit). Every folio is checked before anything changes, so a bad entry throws
    /// <see cref="BadPageException"/> naming its pfn and the allocator is as it was; the kernel instead reports the bad
    /// page (free_pages_prepare() calls bad_page()), skips it and frees the rest. Then the kernel's first pass: orders
    /// the PCP does not cache go straight to the buddy (free_one_page()); the design's second pass takes the rest.
    /// </summary>
    public void FreeUnrefFolios(int cpu, ReadOnlySpan<Folio> batch)
    {
        CheckCpu(cpu);
        if (batch.Length is < 1 or > PageAlloc.PagevecSize)
        {
            throw new ArgumentException($"a batch of {batch.Length} folios; expected 1..{PageAlloc.PagevecSize} (PAGEVEC_SIZE)", nameof(batch));
        }

        Span<int> pfns = stackalloc int[PageAlloc.PagevecSize];
        Span<int> orders = stackalloc int[PageAlloc.PagevecSize];
        for (var i = 0; i < batch.Length; i++)
        {
            pfns[i] = _zone.ValidateFree(batch[i].Pfn, batch[i].Order);
            for (var j = 0; j < i; j++)
            {
                // Two valid heads cannot overlap unless they are the same chunk: a tail is never "allocated".
                if (pfns[j] == pfns[i])
                {
                    throw new BadPageException(batch[i].Pfn, batch[i].Order, BadPageReason.DoubleFree, $"the batch frees it twice (folios {j} and {i})");
                }
            }
        }

        _exec.OpBegin(cpu, AllocatorOp.FreeBatch, batch.Length, 0);
        for (var i = 0; i < batch.Length; i++)
        {
            _exec.OpFolio(cpu, batch[i].Pfn, batch[i].Order);
        }

        ref var st = ref _stats[cpu];
        st.FreeBatches++;
        var kept = 0;
        for (var i = 0; i < batch.Length; i++)
        {
            var order = batch[i].Order;

            TakeFromCaller(ref st, pfns[i], order);
            if (!PageAlloc.PcpAllowedOrder(order))
            {
                FreeOnePage(cpu, pfns[i], order, LockSite.DirectFree);
                continue;
            }

            pfns[kept] = pfns[i];
            orders[kept] = order;
            kept++;
        }

        if (kept > 0)
        {
            FreeUnrefFoliosPcp(cpu, pfns[..kept], orders[..kept]);
        }

        _exec.OpEnd(cpu, 0);
    }

    /// <summary>
    /// A validated chunk passes from its caller to the allocator: marking it in flight stops a second free of the same
    /// pfn; the free is counted, with vmstat's pgfree by the block's migratetype (read racily, as free_frozen_page()
    /// does; statistics only, so no scheduling point: nothing the allocator decides depends on it).
    /// </summary>
    private void TakeFromCaller(ref CpuCounters st, int pfn, int order)
    {
        _pages[pfn].State = PageState.InFlight;
        st.Frees++;
        st.FreedPages += 1L << order;
        st.PgfreeByMigratetype[(int)_zone.GetPageblockMigratetype(pfn)] += 1L << order;
    }

    /// <summary>rmqueue_pcplist(): an allocation from <paramref name="cpu"/>'s PCP, refilling it if needed. -1 if the trylock failed or nothing could be had.</summary>
    protected abstract int RmqueuePcplist(int cpu, int order, MigrateType mt, AllocFlags flags);

    /// <summary>free_unref_page() for a PCP-cached order: the chunk at <paramref name="pfn"/> is in flight.</summary>
    protected abstract void FreeUnrefPage(int cpu, int pfn, int order);

    /// <summary>
    /// free_unref_folios()'s second pass: the chunks at <paramref name="pfns"/> (in flight, orders the PCP caches) go to
    /// their PCPs with one trylock per run bound for the same PCP, each through the same commit as a single free.
    /// </summary>
    protected abstract void FreeUnrefFoliosPcp(int cpu, ReadOnlySpan<int> pfns, ReadOnlySpan<int> orders);

    /// <summary>
    /// free_pcppages_bulk(): <paramref name="cpu"/>, holding <paramref name="target"/>'s pcp->lock,
    /// frees <paramref name="count"/> pages from it to the zone under one zone->lock hold, starting
    /// with list <paramref name="pindex"/>.
    /// </summary>
    protected abstract void FreePcppagesBulk(int cpu, int target, ref PerCpuPages pcp, int count, int pindex, LockSite site);

    /// <summary>The design's part of page_alloc_cpu_dead(): give back everything <paramref name="deadCpu"/> holds.</summary>
    protected abstract void CpuDeadDesign(int deadCpu, int cpu);

    /// <summary>The design's part of an audit: claim every PCP chunk and check pcp.count and ownership.</summary>
    protected abstract void AuditPcp(AuditContext ctx);

    /// <summary>Work a design does at the start of every allocation on <paramref name="cpu"/>, before the watermark checks.</summary>
    protected virtual void BeforeAllocate(int cpu)
    {
    }

    /// <summary>Work a design does whenever it takes a PCP's lock (the lock-free variant absorbs remote frees).</summary>
    protected virtual void OnPcpLocked(int target, ref PerCpuPages pcp)
    {
    }

    /// <summary>free_one_page(): free a chunk straight into the buddy under zone->lock.</summary>
    protected void FreeOnePage(int cpu, int pfn, int order, LockSite site)
    {
        _exec.Lock(ref _zone.Lock, cpu, site);
        _zone.FreeOnePageLocked(pfn, order);
        _exec.Unlock(ref _zone.Lock, cpu);
    }

    /// <summary>rmqueue_buddy(): an allocation straight from the zone under zone->lock.</summary>
    protected int RmqueueBuddy(int cpu, int order, AllocFlags flags, MigrateType mt)
    {
        _exec.Lock(ref _zone.Lock, cpu, LockSite.BuddyAlloc);
        var pfn = _zone.RmqueueBuddyLocked(order, mt, flags);
        _exec.Unlock(ref _zone.Lock, cpu);
        return pfn;
    }

    protected void CheckCpu(int cpu)
    {
        if ((uint)cpu >= (uint)_pcps.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(cpu), cpu, $"expected a CPU in 0..{_pcps.Length - 1}");
        }

        // The caller's own online bit, a misuse check with no kernel counterpart (a dead CPU runs no code): hotplug
        // writes a CPU's bit only while that CPU runs nothing, so the read races with no write and is not a point.
        if (Volatile.Read(ref _online[cpu]) == 0)
        {
            throw new InvalidOperationException($"CPU {cpu} is offline: a dead CPU does not allocate or free");
        }
    }

    protected bool Has(InjectedBug bug) => (_bugs & bug) != 0;

    public EmuSpinLock[] SnapshotLocks()
    {
        var words = new EmuSpinLock[1 + Cpus];

        // Racy copies: a word may be caught mid-acquisition; State, the holder, is read whole.
        words[0] = _zone.Lock;
        for (var cpu = 0; cpu < Cpus; cpu++)
        {
            words[1 + cpu] = _pcps[cpu].Lock;
        }

        return words;
    }

    public AuditReport Audit() => ZoneAuditor.Audit(_zone, this);

    void IPcpInventory.Audit(AuditContext context) => AuditPcp(context);
}
