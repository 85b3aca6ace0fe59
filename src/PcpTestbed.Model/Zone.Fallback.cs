using PcpTestbed.Model.Sync;

namespace PcpTestbed.Model;

// __rmqueue() and its fallback machinery: the CMA balancing rule, claiming whole blocks, stealing.
// Every function here runs under zone->lock.
public sealed partial class Zone
{
    /// <summary>__rmqueue_fallback's "no suitable fallback at this order".</summary>
    public const int NoFallback = -1;

    /// <summary>find_suitable_fallback()'s "orders this low cannot be claimed".</summary>
    public const int FallbackTooLowToClaim = -2;

    /// <summary>
    /// __rmqueue()'s CMA balancing test, "allocating from CMA when over half of the zone's free memory is in the CMA area":
    /// zone_page_state(zone, NR_FREE_CMA_PAGES) &gt; zone_page_state(zone, NR_FREE_PAGES) / 2, on counters the caller has
    /// read (under zone->lock, racily, or as a snapshot: the caller says which).
    /// </summary>
    public static bool CmaOverHalf(long nrFreeCmaPages, long nrFreePages) => nrFreeCmaPages > nrFreePages / 2;

    /// <summary>
    /// __rmqueue(): take a chunk of <paramref name="order"/> for <paramref name="mt"/>, trying the
    /// requested lists, then CMA, then claiming a fallback block, then stealing, starting at
    /// <paramref name="mode"/> and recording in it the mode that worked. Returns the pfn or -1.
    /// With <see cref="DebugVm"/> the CMA balancing rule is checked on every chunk taken.
    /// </summary>
    public int Rmqueue(int order, MigrateType mt, AllocFlags allocFlags, ref RmqueueMode mode)
    {
        AssertLocked();
        return DebugVm != null ? RmqueueChecked(order, mt, allocFlags, ref mode) : RmqueueLocked(order, mt, allocFlags, ref mode);
    }

    private int RmqueueLocked(int order, MigrateType mt, AllocFlags allocFlags, ref RmqueueMode mode)
    {
        int pfn;

        // Balance movable allocations between regular and CMA areas by allocating from CMA when over
        // half of the zone's free memory is in the CMA area.
        if ((allocFlags & AllocFlags.Cma) != 0 && CmaOverHalf(_nrFreeCmaPages, _nrFreePages))
        {
            pfn = RmqueueSmallest(order, MigrateType.Cma);
            if (pfn >= 0)
            {
                Events.CmaAllocations++;
                return pfn;
            }
        }

        switch (mode)
        {
            case RmqueueMode.Normal:
                pfn = RmqueueSmallest(order, mt);
                if (pfn >= 0)
                {
                    return pfn;
                }

                goto case RmqueueMode.Cma;

            case RmqueueMode.Cma:
                if ((allocFlags & AllocFlags.Cma) != 0)
                {
                    pfn = RmqueueSmallest(order, MigrateType.Cma);
                    if (pfn >= 0)
                    {
                        Events.CmaAllocations++;
                        mode = RmqueueMode.Cma;
                        return pfn;
                    }
                }

                goto case RmqueueMode.Claim;

            case RmqueueMode.Claim:
                pfn = RmqueueClaim(order, mt, allocFlags);
                if (pfn >= 0)
                {
                    // Replenished the preferred free list: back to normal mode.
                    mode = RmqueueMode.Normal;
                    return pfn;
                }

                goto case RmqueueMode.Steal;

            case RmqueueMode.Steal:
                if ((allocFlags & AllocFlags.NoFragment) == 0)
                {
                    pfn = RmqueueSteal(order, mt);
                    if (pfn >= 0)
                    {
                        mode = RmqueueMode.Steal;
                        return pfn;
                    }
                }

                break;
        }

        return -1;
    }

    /// <summary>
    /// should_try_claim_block(): whether a fallback free chunk of <paramref name="order"/> is worth
    /// claiming its whole block for <paramref name="startMt"/>.
    /// </summary>
    public static bool ShouldTryClaimBlock(int order, MigrateType startMt)
    {
        if (order >= PageAlloc.PageblockOrder)
        {
            return true;
        }

        // Above a certain threshold, claiming is likely to find more free pages in the block.
        if (order >= PageAlloc.PageblockOrder / 2)
        {
            return true;
        }

        // Unmovable and reclaimable allocations would pollute a movable block permanently: claim it.
        return startMt is MigrateType.Reclaimable or MigrateType.Unmovable;
    }

    /// <summary>
    /// find_suitable_fallback(): the first fallback type with a free chunk at <paramref name="order"/>,
    /// <see cref="NoFallback"/>, or (when <paramref name="claimable"/>) <see cref="FallbackTooLowToClaim"/>.
    /// </summary>
    public int FindSuitableFallback(int order, MigrateType mt, bool claimable)
    {
        AssertLocked();
        if (claimable && !ShouldTryClaimBlock(order, mt))
        {
            return FallbackTooLowToClaim;
        }

        if (_nrFree[order] == 0)
        {
            return NoFallback;
        }

        for (var i = 0; i < MigrateTypes.PcpTypes - 1; i++)
        {
            var fallback = MigrateTypes.Fallback(mt, i);
            if (!_freeList[order * MigrateTypes.Count + (int)fallback].IsEmpty)
            {
                return (int)fallback;
            }
        }

        return NoFallback;
    }

    /// <summary>
    /// __rmqueue_claim(): scan fallback lists from the largest order down (approximating the block
    /// with the most free pages) and try to claim a whole block. Under ALLOC_NOFRAGMENT only whole
    /// free blocks (order &gt;= pageblock_order) are taken.
    /// </summary>
    public int RmqueueClaim(int order, MigrateType startMt, AllocFlags allocFlags)
    {
        AssertLocked();
        var minOrder = order;
        if (order < PageAlloc.PageblockOrder && (allocFlags & AllocFlags.NoFragment) != 0)
        {
            minOrder = PageAlloc.PageblockOrder;
        }

        for (var current = PageAlloc.MaxPageOrder; current >= minOrder; current--)
        {
            var fallback = FindSuitableFallback(current, startMt, claimable: true);
            if (fallback == NoFallback)
            {
                continue;
            }

            if (fallback == FallbackTooLowToClaim)
            {
                break;
            }

            var blockMt = (MigrateType)fallback;
            var pfn = GetPageFromFreeArea(current, blockMt);
            pfn = TryToClaimBlock(pfn, current, order, startMt, blockMt, allocFlags);
            if (pfn >= 0)
            {
                Events.Claims++;
                return pfn;
            }
        }

        return -1;
    }

    /// <summary>__rmqueue_steal(): the smallest fallback chunk that fits; the block keeps its type.</summary>
    public int RmqueueSteal(int order, MigrateType startMt)
    {
        AssertLocked();
        for (var current = order; current < PageAlloc.NrPageOrders; current++)
        {
            var fallback = FindSuitableFallback(current, startMt, claimable: false);
            if (fallback == NoFallback)
            {
                continue;
            }

            var blockMt = (MigrateType)fallback;
            var pfn = GetPageFromFreeArea(current, blockMt);
            PageDelAndExpand(pfn, order, current, blockMt);
            Events.Steals++;
            return pfn;
        }

        return -1;
    }

    /// <summary>
    /// try_to_claim_block(): take over the block of a fallback chunk for <paramref name="startType"/>
    /// if enough of it is free or compatible, then allocate from it. A chunk of pageblock order or
    /// more is taken whole. Returns the pfn or -1 (the block stays as it was).
    /// </summary>
    public int TryToClaimBlock(int pfn, int currentOrder, int order, MigrateType startType, MigrateType blockType, AllocFlags allocFlags)
    {
        AssertLocked();
        if (currentOrder >= PageAlloc.PageblockOrder)
        {
            DelFromFreeList(pfn, currentOrder, blockType);
            ChangePageblockRange(pfn, currentOrder, startType);
            var added = Expand(pfn, order, currentOrder, startType);
            AccountFreepages(added, startType);
            Pages[pfn].Order = (byte)order;
            return pfn;
        }

        // Boost watermarks to increase reclaim pressure against future fallbacks.
        if (BoostWatermark() && (allocFlags & AllocFlags.Kswapd) != 0)
        {
            SetFlag(ZoneFlags.BoostedWatermark, AccessSite.ClaimBoostedSet);
        }

        if (!PrepMoveFreepagesBlock(pfn, out var startPfn, out var freePages, out var movablePages))
        {
            return -1;
        }

        int alikePages;
        if (startType == MigrateType.Movable)
        {
            alikePages = movablePages;
        }
        else if (blockType == MigrateType.Movable)
        {
            // Unmovable or reclaimable falling back to a movable block: every non-movable page is compatible.
            alikePages = PageAlloc.PageblockNrPages - (freePages + movablePages);
        }
        else
        {
            // Unmovable and reclaimable cannot be told apart: be conservative.
            alikePages = 0;
        }

        if (freePages + alikePages >= 1 << (PageAlloc.PageblockOrder - 1))
        {
            MoveFreepagesBlockRange(startPfn, blockType, startType);
            SetPageblockMigratetype(startPfn, startType);
            return RmqueueSmallest(order, startType);
        }

        return -1;
    }

    /// <summary>
    /// prep_move_freepages_block(): the block containing <paramref name="pfn"/>, with its free pages
    /// and pages that could be migrated (allocated as movable). False if the block leaves the zone.
    /// </summary>
    public bool PrepMoveFreepagesBlock(int pfn, out int startPfn, out int freePages, out int movablePages)
    {
        AssertLocked();
        startPfn = pfn & ~(PageAlloc.PageblockNrPages - 1);
        var end = startPfn + PageAlloc.PageblockNrPages;
        freePages = 0;
        movablePages = 0;
        if (end > PresentPages)
        {
            return false;
        }

        // Counted in a local and added once: an increment of a field in the loop would chain every iteration through memory.
        var scanned = 0;
        for (var p = startPfn; p < end;)
        {
            scanned++;
            ref var page = ref Pages[p];
            if (page.State == PageState.Buddy)
            {
                var nr = 1 << page.Order;
                freePages += nr;
                p += nr;
                continue;
            }

            // The kernel tests PageLRU || __PageMovable page by page. Here a chunk allocated with a
            // movable request stands for LRU pages; every page of it counts, as tail pages test
            // their head's PageLRU.
            if (page.State == PageState.Allocated)
            {
                var nr = 1 << page.Order;
                if (page.Tag == (byte)MigrateType.Movable)
                {
                    movablePages += nr;
                }

                p += nr;
                continue;
            }

            p += page.State == PageState.Tail ? 1 : 1 << page.Order;
        }

        _work.PagesScanned += scanned;
        return true;
    }

    /// <summary>__move_freepages_block(): move every free chunk of a block to another type's list.</summary>
    public int MoveFreepagesBlockRange(int startPfn, MigrateType oldMt, MigrateType newMt)
    {
        AssertLocked();
        var end = startPfn + PageAlloc.PageblockNrPages;
        var moved = 0;
        var scanned = 0;
        for (var p = startPfn; p < end;)
        {
            scanned++;
            ref var page = ref Pages[p];
            if (page.State != PageState.Buddy)
            {
                p++;
                continue;
            }

            int order = page.Order;
            MoveToFreeList(p, order, oldMt, newMt);
            p += 1 << order;
            moved += 1 << order;
        }

        _work.PagesScanned += scanned;
        return moved;
    }

    /// <summary>move_freepages_block(): move a block's free chunks and relabel it. -1 if the block leaves the zone.</summary>
    public int MoveFreepagesBlock(int pfn, MigrateType oldMt, MigrateType newMt)
    {
        AssertLocked();
        var startPfn = pfn & ~(PageAlloc.PageblockNrPages - 1);
        if (startPfn + PageAlloc.PageblockNrPages > PresentPages)
        {
            return -1;
        }

        var moved = MoveFreepagesBlockRange(startPfn, oldMt, newMt);
        SetPageblockMigratetype(startPfn, newMt);
        return moved;
    }

    /// <summary>change_pageblock_range(): relabel every block a chunk of <paramref name="startOrder"/> covers.</summary>
    public void ChangePageblockRange(int pfn, int startOrder, MigrateType mt)
    {
        var blocks = 1 << (startOrder - PageAlloc.PageblockOrder);
        for (var i = 0; i < blocks; i++)
        {
            SetPageblockMigratetype(pfn + i * PageAlloc.PageblockNrPages, mt);
        }
    }

    /// <summary>
    /// boost_watermark(): a fallback raises the watermarks by a pageblock, up to
    /// high * watermark_boost_factor / 10000, to make reclaim undo fragmentation early.
    /// </summary>
    public bool BoostWatermark()
    {
        AssertLocked();
        if (WatermarkBoostFactor == 0)
        {
            return false;
        }

        // Small zones would go out of memory from the boost itself.
        if (PageAlloc.PageblockNrPages * 4 > ManagedPages)
        {
            return false;
        }

        var maxBoost = _watermarks.High * WatermarkBoostFactor / 10000;
        if (maxBoost == 0)
        {
            return false;
        }

        maxBoost = Math.Max(PageAlloc.PageblockNrPages, maxBoost);

        // zone->watermark_boost = min(zone->watermark_boost + pageblock_nr_pages, max_boost): read, then a point, then the
        // write, so a writer without zone->lock (kswapd's reset) may come between and be lost.
        var boosted = Math.Min(_watermarkBoost + PageAlloc.PageblockNrPages, maxBoost);
        _seam.WriteOnce(ref _watermarkBoost, boosted, SharedLocation.ZoneWatermarkBoost, AccessSite.BoostWatermark);
        Events.WatermarkBoosts++;
        return true;
    }

    /// <summary>vm.watermark_boost_factor.</summary>
    public int WatermarkBoostFactor { get; set; } = PageAlloc.DefaultWatermarkBoostFactor;
}
