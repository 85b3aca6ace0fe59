using PcpTestbed.Model;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs;

// get_page_from_freelist(), rmqueue() and __alloc_pages_slowpath() for the emulation's single zone.
public abstract partial class PageAllocator<TExec>
{
    /// <summary>MAX_RECLAIM_RETRIES.</summary>
    private const int MaxReclaimRetries = 16;

    /// <summary>A bound on slow-path rounds, so that no allocation loops forever (there is no OOM killer).</summary>
    private const int MaxSlowpathRounds = 64;

    /// <summary>
    /// get_page_from_freelist(): check the watermarks, take a page (PCP or buddy), maybe grow the
    /// highatomic reserve. A failed ALLOC_NOFRAGMENT pass retries without it. Returns the pfn or -1, and
    /// in <paramref name="sourceMt"/> the type of the block the page came from (read before a reservation
    /// may relabel the block).
    /// </summary>
    private int GetPageFromFreelist(int cpu, int order, AllocFlags flags, MigrateType mt, out MigrateType sourceMt)
    {
        sourceMt = mt;
        while (true)
        {
            var noFallback = (flags & AllocFlags.NoFragment) != 0;

            // The flags, counters and free lists are read without zone->lock, as zone_watermark_fast() does: a read
            // point before each check, whose step reads what the check needs.
            bool usable;
            if (_zone.TestFlag(ZoneFlags.BelowHigh, AccessSite.AllocBelowHighTest))
            {
                usable = AllocWatermarkOk(order, flags, AccessSite.WatermarkCheck);
            }
            else if (ZoneWatermarkFast(order, WatermarkKind.High, flags, AccessSite.WatermarkCheck))
            {
                usable = true;
            }
            else
            {
                // Below high: PCPs shrink their high and free more on the free path from now on.
                _zone.SetFlag(ZoneFlags.BelowHigh, AccessSite.AllocBelowHighSet);
                usable = AllocWatermarkOk(order, flags, AccessSite.AllocWatermarkCheck);
            }

            if (usable)
            {
                var pfn = Rmqueue(cpu, order, flags, mt, out var fromBuddy);
                if (pfn >= 0)
                {
                    _zone.PrepNewPage(pfn, order, mt);

                    // Statistics only (the source block's type), so a racy read with no point.
                    sourceMt = _zone.GetPageblockMigratetype(pfn);
                    if (MayGrowHighatomic(flags, order, fromBuddy))
                    {
                        ReserveHighatomicPageblock(cpu, pfn, order);
                    }

                    return pfn;
                }
            }

            if (!noFallback)
            {
                return -1;
            }

            // Every zone was fragmented: allow fallbacks that fragment.
            flags &= ~AllocFlags.NoFragment;
        }
    }

    private bool AllocWatermarkOk(int order, AllocFlags flags, AccessSite site)
    {
        if ((flags & AllocFlags.NoWatermarks) != 0)
        {
            return true;
        }

        return ZoneWatermarkFast(order, flags.Watermark(), flags, site);
    }

    /// <summary>zone_watermark_fast() without zone->lock: a read point at <paramref name="site"/>, whose step reads the boost, counters and free areas.</summary>
    private bool ZoneWatermarkFast(int order, WatermarkKind mark, AllocFlags flags, AccessSite site)
    {
        _exec.SharedRead(SharedLocation.ZoneCounters, site);
        return _zone.ZoneWatermarkFast(order, _zone.WmarkPages(mark), flags);
    }

    /// <summary>rmqueue(): the PCP for the orders it caches, else (or if it has nothing) the buddy.</summary>
    private int Rmqueue(int cpu, int order, AllocFlags flags, MigrateType mt, out bool fromBuddy)
    {
        ref var st = ref _stats[cpu];
        fromBuddy = false;
        var pfn = -1;
        if (PageAlloc.PcpAllowedOrder(order))
        {
            pfn = RmqueuePcplist(cpu, order, mt, flags);
            if (pfn >= 0)
            {
                st.PcpAllocations++;
            }
        }

        if (pfn < 0)
        {
            pfn = RmqueueBuddy(cpu, order, flags, mt);
            if (pfn >= 0)
            {
                fromBuddy = true;
                st.BuddyAllocations++;
            }
        }

        if ((flags & AllocFlags.Kswapd) != 0 && _zone.TestFlag(ZoneFlags.BoostedWatermark, AccessSite.RmqueueBoostedTest))
        {
            _zone.ClearFlag(ZoneFlags.BoostedWatermark, AccessSite.RmqueueBoostedClear);
            _config.Reclaim.WakeKswapd(cpu);
        }

        return pfn;
    }

    /// <summary>
    /// __alloc_pages_slowpath(), without compaction and the OOM killer: the min watermark with the
    /// request's reserves, then (blocking requests only) direct reclaim, each round followed by
    /// unreserving highatomic blocks and draining the PCPs, up to MAX_RECLAIM_RETRIES rounds
    /// without progress, and a last forced unreserve.
    /// </summary>
    private int Slowpath(int cpu, Gfp gfp, int order, MigrateType mt, out MigrateType sourceMt)
    {
        var flags = GfpToAllocFlags(gfp, order);
        if ((flags & AllocFlags.Kswapd) != 0)
        {
            _config.Reclaim.WakeKswapd(cpu);
        }

        var pfn = GetPageFromFreelist(cpu, order, flags, mt, out sourceMt);
        if (pfn >= 0 || !gfp.AllowsBlocking())
        {
            // A caller that cannot reclaim cannot balance anything.
            return pfn;
        }

        ref var st = ref _stats[cpu];
        var noProgressLoops = 0;
        for (var round = 0; round < MaxSlowpathRounds; round++)
        {
            // __alloc_pages_direct_reclaim()
            st.DirectReclaims++;
            _inDirectReclaim[cpu] = true;
            var progress = _config.Reclaim.DirectReclaim(cpu, order);
            _inDirectReclaim[cpu] = false;
            if (progress > 0)
            {
                pfn = GetPageFromFreelist(cpu, order, flags, mt, out sourceMt);
                if (pfn >= 0)
                {
                    return pfn;
                }

                // Pages may be pinned on the per-cpu lists or in high alloc reserves: shrink them and retry.
                UnreserveHighatomicPageblock(cpu, mt, force: false);
                DrainAllPagesCore(cpu);
                pfn = GetPageFromFreelist(cpu, order, flags, mt, out sourceMt);
                if (pfn >= 0)
                {
                    return pfn;
                }
            }

            // Costly orders need compaction, which is not modelled, and stop here without __GFP_RETRY_MAYFAIL.
            if (order > PageAlloc.PageAllocCostlyOrder)
            {
                return -1;
            }

            // should_reclaim_retry(): give up after MAX_RECLAIM_RETRIES rounds without progress, or at once when
            // free plus reclaimable pages could never meet the min watermark.
            noProgressLoops = progress > 0 ? 0 : noProgressLoops + 1;
            _exec.SharedRead(SharedLocation.ZoneCounters, AccessSite.ReclaimRetryCounters);
            var available = _zone.NrFreePages + _config.Reclaim.ReclaimablePages();
            if (noProgressLoops > MaxReclaimRetries || !_zone.ZoneWatermarkOk(order, _zone.WmarkPages(WatermarkKind.Min), flags, available))
            {
                // Before OOM, exhaust the highatomic reserve.
                // The kernel retries while forced unreserves release blocks; the loop bound ends it otherwise.
                if (!UnreserveHighatomicPageblock(cpu, mt, force: true))
                {
                    return -1;
                }

                pfn = GetPageFromFreelist(cpu, order, flags, mt, out sourceMt);
                if (pfn >= 0)
                {
                    return pfn;
                }
            }
        }

        return -1;
    }

    /// <summary>gfp_to_alloc_flags_cma().</summary>
    private static AllocFlags CmaFlags(Gfp gfp) => gfp.MigrateType() == MigrateType.Movable ? AllocFlags.Cma : 0;
}
