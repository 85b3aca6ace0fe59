using PcpTestbed.Model;
using PcpTestbed.Model.Audit;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs.Mainline;

/// <summary>
/// Today's per-CPU pages (mm/page_alloc.c of the seeds' tree, ~v7.2-rc1): 14 lists per CPU indexed by
/// order_to_pindex(), refilled by rmqueue_bulk() under one zone->lock hold, drained by
/// free_pcppages_bulk() round-robin from the list tails, in chunks of batch since 6.19; trylock on the CPU's
/// own pcp->lock, and a failed trylock goes to the buddy.
/// </summary>
public sealed class MainlineAllocator<TExec> : PageAllocator<TExec> where TExec : struct, IExecution
{
    public MainlineAllocator(Zone zone, AllocatorConfig config, TExec exec)
        : base(DesignKind.Mainline, zone, config, exec)
    {
    }

    /// <summary>rmqueue_pcplist() and __rmqueue_pcplist().</summary>
    protected override int RmqueuePcplist(int cpu, int order, MigrateType mt, AllocFlags flags)
    {
        ref var pcp = ref _pcps[cpu];
        ref var st = ref _stats[cpu];

        // spin_trylock may fail due to a parallel drain.
        if (!_exec.TryLock(ref pcp.Lock, cpu, LockSite.PcpAlloc))
        {
            st.PcpAllocTrylockFailures++;
            if (!Has(InjectedBug.IgnorePcpTrylockFailure))
            {
                return -1;
            }

            return TakeFromPcpUnlocked(cpu, ref pcp, order, mt);
        }

        // An allocation shortens the next bulk free (see nr_pcp_free()).
        AssertPcpLocked(cpu);
        pcp.FreeCount >>= 1;
        var pindex = PageAlloc.OrderToPindex(mt, order);
        ref var list = ref pcp.Lists[pindex];
        if (list.IsEmpty)
        {
            if (HighatomicPcpBypass(flags))
            {
                _exec.Unlock(ref pcp.Lock, cpu);
                return -1;
            }

            var batch = NrPcpAlloc(cpu, ref pcp, order);
            var alloced = RmqueueBulk(cpu, order, batch, ref list, pindex, mt, flags);
            PcpCountAdd(cpu, ref pcp, alloced << order, AccessSite.RefillCount);
            st.Refills++;
            st.RefillPages += (long)alloced << order;
            if (list.IsEmpty)
            {
                _exec.Unlock(ref pcp.Lock, cpu);
                return -1;
            }
        }

        var pfn = list.First;
        PcpListRemove(cpu, ref list, pfn, AccessSite.PcpAllocListDel);
        PcpCountAdd(cpu, ref pcp, -(1 << order), AccessSite.PcpAllocCount);
        _exec.Unlock(ref pcp.Lock, cpu);
        return pfn;
    }

    // The injected bug's path: the list is used as if the lock were held.
    private int TakeFromPcpUnlocked(int cpu, ref PerCpuPages pcp, int order, MigrateType mt)
    {
        ref var list = ref pcp.Lists[PageAlloc.OrderToPindex(mt, order)];
        var pfn = list.First;
        if (pfn >= 0)
        {
            PcpListRemove(cpu, ref list, pfn, AccessSite.PcpAllocListDel);
            PcpCountAdd(cpu, ref pcp, -(1 << order), AccessSite.PcpAllocCount);
        }

        return pfn;
    }

    /// <summary>
    /// rmqueue_bulk(): up to <paramref name="count"/> chunks under one zone->lock hold, each added at the
    /// list's tail in the order __rmqueue() returns them (physical order after a split), keeping the mode
    /// that worked. Returns the chunks taken.
    /// </summary>
    private int RmqueueBulk(int cpu, int order, int count, ref ListHead list, int pindex, MigrateType mt, AllocFlags flags)
    {
        var mode = RmqueueMode.Normal;
        _exec.Lock(ref _zone.Lock, cpu, LockSite.Refill);
        var i = 0;
        for (; i < count; i++)
        {
            var pfn = _zone.Rmqueue(order, mt, flags, ref mode);
            if (pfn < 0)
            {
                break;
            }

            PcpListAdd(cpu, ref list, pindex, pfn, order, PageState.Pcp, tail: true, AccessSite.RefillListAdd);
        }

        _exec.Unlock(ref _zone.Lock, cpu);
        return i;
    }

    /// <summary>
    /// free_unref_page() (__free_frozen_pages()): ISOLATE pages go to the buddy; HIGHATOMIC and CMA pages ride the
    /// MOVABLE list; a failed trylock frees to the buddy, never to another CPU's PCP.
    /// </summary>
    protected override void FreeUnrefPage(int cpu, int pfn, int order)
    {
        var mt = _zone.GetPageblockMigratetype(pfn, AccessSite.FreeMigratetype);
        if ((int)mt >= MigrateTypes.PcpTypes)
        {
            if (mt == MigrateType.Isolate)
            {
                FreeOnePage(cpu, pfn, order, LockSite.DirectFree);
                return;
            }

            mt = MigrateType.Movable;
        }

        ref var pcp = ref _pcps[cpu];
        if (_exec.TryLock(ref pcp.Lock, cpu, LockSite.PcpFree))
        {
            if (FreeUnrefPageCommit(cpu, cpu, ref pcp, pfn, mt, order, PcpPageFlags.None))
            {
                _exec.Unlock(ref pcp.Lock, cpu);
            }

            return;
        }

        FreeAfterFailedTrylock(cpu, pfn, order, mt);
    }

    /// <summary>
    /// free_unref_folios()'s second pass (mm/page_alloc.c, 6.19): one pcp trylock for the run of folios that follows
    /// it, all bound for this CPU's PCP (a single zone: the kernel's "different zone" never happens here); an ISOLATE
    /// folio ends the run, goes to the buddy, and the next folio trylocks again; a failed trylock frees that folio
    /// through free_one_page() and the next folio tries again; HIGHATOMIC and CMA folios ride the MOVABLE list; each
    /// folio goes through the same commit as a single free, and a commit whose chunked bulk free could not take the
    /// lock back ends the run too.
    /// </summary>
    protected override void FreeUnrefFoliosPcp(int cpu, ReadOnlySpan<int> pfns, ReadOnlySpan<int> orders)
    {
        ref var pcp = ref _pcps[cpu];
        ref var st = ref _stats[cpu];
        var locked = false;
        for (var i = 0; i < pfns.Length; i++)
        {
            var pfn = pfns[i];
            var order = orders[i];
            var mt = _zone.GetPageblockMigratetype(pfn, AccessSite.FreeBatchMigratetype);
            if (!locked || mt == MigrateType.Isolate)
            {
                if (locked)
                {
                    _exec.Unlock(ref pcp.Lock, cpu);
                    locked = false;
                }

                if (mt == MigrateType.Isolate)
                {
                    FreeOnePage(cpu, pfn, order, LockSite.DirectFree);
                    continue;
                }

                // A trylock: folios may be freed from IRQ or softirq context after an I/O completion.
                if (!_exec.TryLock(ref pcp.Lock, cpu, LockSite.PcpFreeBatch))
                {
                    FreeAfterFailedTrylock(cpu, pfn, order, mt);
                    continue;
                }

                locked = true;
                st.FreeBatchPcpLocks++;
            }

            if ((int)mt >= MigrateTypes.PcpTypes)
            {
                mt = MigrateType.Movable;
            }

            locked = FreeUnrefPageCommit(cpu, cpu, ref pcp, pfn, mt, order, PcpPageFlags.None);
        }

        if (locked)
        {
            _exec.Unlock(ref pcp.Lock, cpu);
        }
    }

    /// <summary>The pcp trylock failed: free_one_page() under zone->lock, never another CPU's PCP.</summary>
    private void FreeAfterFailedTrylock(int cpu, int pfn, int order, MigrateType mt)
    {
        _stats[cpu].PcpFreeTrylockFailures++;
        if (Has(InjectedBug.FreeToForeignPcpOnTrylockFailure) && Cpus > 1)
        {
            var other = (cpu + 1) % Cpus;
            ref var foreign = ref _pcps[other];
            _exec.Lock(ref foreign.Lock, cpu, LockSite.PcpFree);
            if ((int)mt >= MigrateTypes.PcpTypes)
            {
                mt = MigrateType.Movable;
            }

            if (FreeUnrefPageCommit(cpu, other, ref foreign, pfn, mt, order, PcpPageFlags.RoutedFree))
            {
                _exec.Unlock(ref foreign.Lock, cpu);
            }

            return;
        }

        FreeOnePage(cpu, pfn, order, LockSite.TrylockFallbackFree);
    }

    /// <summary>
    /// free_frozen_page_commit(): add at the head of the list and maybe bulk free. Returns whether <paramref name="cpu"/>
    /// still holds <paramref name="target"/>'s pcp->lock (the chunked bulk free may drop it for good).
    /// </summary>
    private bool FreeUnrefPageCommit(int cpu, int target, ref PerCpuPages pcp, int pfn, MigrateType mt, int order, PcpPageFlags flags)
    {
        var pindex = PageAlloc.OrderToPindex(mt, order);
        PcpListAdd(target, ref pcp.Lists[pindex], pindex, pfn, order, PageState.Pcp, tail: false, AccessSite.FreeCommitListAdd, flags);
        PcpCountAdd(target, ref pcp, 1 << order, AccessSite.FreeCommitCount);
        return FreeCommitTail(cpu, target, ref pcp, order, pindex);
    }

    /// <summary>
    /// free_pcppages_bulk(): under one zone->lock hold, take pages from the list tails, list by list
    /// round-robin starting at <paramref name="pindex"/>, and free each with its block's current migratetype.
    /// </summary>
    protected override void FreePcppagesBulk(int cpu, int target, ref PerCpuPages pcp, int count, int pindex, LockSite site)
    {
        // A count above pcp->count would spin below over lists that are all empty.
        if (!Has(InjectedBug.UnclampedBulkFreeCount))
        {
            count = Math.Min(pcp.Count, count);
        }

        ref var st = ref _stats[cpu];
        st.BulkFrees++;

        // The requested list is drained first.
        pindex--;
        _exec.Lock(ref _zone.Lock, cpu, site);
        while (count > 0)
        {
            var probes = 0;
            do
            {
                if (++pindex > PageAlloc.NrPcpLists - 1)
                {
                    pindex = 0;
                }

                if (++probes > PageAlloc.NrPcpLists)
                {
                    _exec.Unlock(ref _zone.Lock, cpu);
                    throw new PcpHangException(
                        $"free_pcppages_bulk on CPU {target}'s PCP: {count} pages left to free but every list is empty (the kernel would spin here forever)");
                }
            }
            while (pcp.Lists[pindex].IsEmpty);

            ref var list = ref pcp.Lists[pindex];
            var order = PageAlloc.PindexToOrder(pindex);
            var nrPages = 1 << order;
            do
            {
                var pfn = list.Last;
                var mt = _zone.GetPageblockMigratetype(pfn);

                // Must unlink before the buddy code touches the page's links.
                PcpListRemove(target, ref list, pfn, AccessSite.BulkListDel);
                count -= nrPages;
                PcpCountAdd(target, ref pcp, -nrPages, AccessSite.BulkCount);
                st.BulkFreedPages += nrPages;
                _zone.FreeOnePage(pfn, order, mt, FpiFlags.None);
            }
            while (count > 0 && !list.IsEmpty);
        }

        _exec.Unlock(ref _zone.Lock, cpu);
    }

    /// <summary>page_alloc_cpu_dead(): drain_pages(cpu).</summary>
    protected override void CpuDeadDesign(int deadCpu, int cpu) => DrainPagesZone(cpu, deadCpu);

    protected override void AuditPcp(AuditContext ctx)
    {
        for (var cpu = 0; cpu < Cpus; cpu++)
        {
            ref var pcp = ref _pcps[cpu];
            long pages = 0;
            for (var pindex = 0; pindex < PageAlloc.NrPcpLists; pindex++)
            {
                var where = $"CPU {cpu} pcp->lists[{pindex}]";
                pages += AuditPcpList(ctx, cpu, ref pcp.Lists[pindex], pindex, PageAlloc.PindexToOrder(pindex), where);
                for (var p = pcp.Lists[pindex].First; p >= 0; p = PageList.Next(_pages, p))
                {
                    if ((_pages[p].Flags & (byte)PcpPageFlags.RoutedFree) != 0)
                    {
                        ctx.Report(AuditRule.TrylockFallback, p, $"{where}: put on CPU {cpu}'s PCP by another CPU's free");
                    }

                    if (_pages[p].State != PageState.Pcp)
                    {
                        break;
                    }
                }
            }

            for (var index = PageAlloc.NrPcpLists; index < PcpListHeads.Capacity; index++)
            {
                if (!pcp.Lists[index].IsEmpty)
                {
                    ctx.Report(AuditRule.PcpCount, -1, $"CPU {cpu}: mainline has no list {index}, yet it holds pages");
                }
            }

            AuditPcpCount(ctx, cpu, pages);
        }
    }
}
