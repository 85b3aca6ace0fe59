using PcpTestbed.Model;
using PcpTestbed.Model.Layout;

namespace PcpTestbed.Coyote.Repro;

/// <summary>
/// The ballast of a rebuilt state: what the run's zone held at the window's start (<see cref="ZoneHoldings"/>, its last clean
/// audit), taken again from a fresh zone's buddy lists under zone->lock, at the same pfns and orders, allocated with the same
/// migratetypes, in blocks of the same migratetypes (the highatomic reserve through reserve_highatomic_pageblock()'s own
/// conversion, so nr_reserved_highatomic counts it), with the same watermark boost. No CPU script holds it and nothing frees
/// it: the window's allocations then meet the free memory, watermarks and fallbacks the run's met, not a near-empty zone's.
/// </summary>
/// <remarks>
/// <para>
/// Straight from the buddy lists, not through the allocator on a CPU: at the run's quiescent point the ballast was allocated
/// long ago, and the PCP lists held whatever the CPUs' last operations left there; allocating ~60,000 pages through the PCPs
/// would leave each CPU's lists as a burst of refills leaves them (and boost, claim and reserve blocks along the way, the
/// fallback path a fresh zone does not take), where taking them off the buddy leaves every PCP empty, as a drain does, and
/// the window's operations then fill them. The kernel takes a given free page off the buddy the same way
/// (take_page_off_buddy() and break_down_buddy_pages(), mm/page_alloc.c).
/// </para>
/// <para>
/// What it cannot match: the pages on the run's PCP lists at the checkpoint (free on the buddy lists here, so the rebuilt
/// zone's NR_FREE_PAGES is the run's plus <see cref="ZoneHoldings.PcpPages"/>), the order of chunks within a free list,
/// the free chunks the run had left unmerged, a pageblock design's block owners (every block starts unowned), the zone's
/// flags, a block the run turned back from HIGHATOMIC or into CMA or isolation (left as the spec builds it), and, when the
/// window is incomplete (the ring wrapped), the operations between the checkpoint and the window's first.
/// </para>
/// </remarks>
internal static class ReproBallast
{
    /// <summary>
    /// Allocates <paramref name="holdings"/> in <paramref name="zone"/>, fresh from its spec, under zone->lock, leaving out the
    /// chunks whose absolute pfn is a key of <paramref name="standIns"/> (pages the window frees, which the rebuild allocates
    /// on their CPUs; the value is the order), and, for each stand-in held at no chunk of the holdings (allocated after the
    /// checkpoint, in the part of the window the ring overwrote), one more chunk of its order (<see cref="Dropped"/>), so the
    /// pages held at the window's start add up to the checkpoint's.
    /// </summary>
    public static void Apply(Zone zone, ZoneHoldings holdings, IReadOnlyDictionary<long, int> standIns)
    {
        SplitAbovePageblocks(zone);
        RestoreBlockTypes(zone, holdings.BlockTypes);
        var dropped = Dropped(holdings, standIns);
        foreach (var (pfn, order, mt) in Chunks(holdings))
        {
            if (!standIns.ContainsKey(pfn) && !dropped.Contains(pfn))
            {
                TakeChunk(zone, zone.RelativePfn(pfn), order, mt);
            }
        }

        Remerge(zone);

        // boost_watermark() itself, a pageblock at a time up to its cap, as the run's fallbacks raised it.
        for (var i = 0; i < 64 && zone.WatermarkBoost < holdings.WatermarkBoost && zone.BoostWatermark(); i++)
        {
        }
    }

    /// <summary>
    /// Chunks left out for the stand-ins that name no held chunk of their order: with a complete window none (every page the
    /// window frees from before it was held at the checkpoint); with an incomplete one, the last chunks of each such order in
    /// pfn order, an arbitrary choice (which pages the lost operations freed is lost with them).
    /// </summary>
    private static HashSet<long> Dropped(ZoneHoldings holdings, IReadOnlyDictionary<long, int> standIns)
    {
        var chunks = Chunks(holdings).ToList();
        var held = chunks.Select(c => (c.Pfn, c.Order)).ToHashSet();
        var owed = new int[PageAlloc.NrPageOrders];
        foreach (var (pfn, order) in standIns)
        {
            if (!held.Contains((pfn, order)))
            {
                owed[order]++;
            }
        }

        var dropped = new HashSet<long>();
        for (var i = chunks.Count - 1; i >= 0; i--)
        {
            var (pfn, order, _) = chunks[i];
            if (owed[order] > 0 && !standIns.ContainsKey(pfn))
            {
                owed[order]--;
                dropped.Add(pfn);
            }
        }

        return dropped;
    }

    /// <summary>Every held chunk, one by one: its absolute pfn, order and requested migratetype.</summary>
    private static IEnumerable<(long Pfn, int Order, MigrateType Mt)> Chunks(ZoneHoldings holdings) =>
        holdings.Held.SelectMany(r => Enumerable.Range(0, r.Count).Select(i => (r.Pfn + ((long)i << r.Order), r.Order, (MigrateType)r.Migratetype)));

    /// <summary>
    /// A fresh zone's free chunks above pageblock_order split to pageblocks, so a block can change type on its own
    /// (move_freepages_block() moves a block's chunks, not a larger chunk it is part of). <see cref="Remerge"/> undoes what the ballast leaves whole.
    /// </summary>
    private static void SplitAbovePageblocks(Zone zone)
    {
        for (var order = PageAlloc.MaxPageOrder; order > PageAlloc.PageblockOrder; order--)
        {
            foreach (var mt in MigrateTypes.All())
            {
                for (var pfn = zone.GetPageFromFreeArea(order, mt); pfn >= 0; pfn = zone.GetPageFromFreeArea(order, mt))
                {
                    zone.DelFromFreeListNoAccount(pfn, order, mt);
                    zone.Expand(pfn, PageAlloc.PageblockOrder, order, mt);
                    zone.AddToFreeList(pfn, PageAlloc.PageblockOrder, mt, tail: false);
                }
            }
        }
    }

    /// <summary>
    /// Each block's migratetype as recorded: a HIGHATOMIC one through reserve_highatomic_pageblock()'s conversion (counted in
    /// nr_reserved_highatomic), any other mergeable one through move_freepages_block(). A block the spec made unmergeable
    /// (CMA, isolated, a reserve the spec starts with) stays as it is.
    /// </summary>
    private static void RestoreBlockTypes(Zone zone, IReadOnlyList<int> types)
    {
        for (var block = 0; block < types.Count && block < zone.NrPageblocks; block++)
        {
            var pfn = block << PageAlloc.PageblockOrder;
            var want = (MigrateType)types[block];
            var now = zone.GetPageblockMigratetype(pfn);
            if (want == now || !MigrateTypes.IsMergeable(now))
            {
                continue;
            }

            if (want == MigrateType.HighAtomic)
            {
                zone.ReserveHighatomicPageblockLocked(pfn, 0);
            }
            else if (MigrateTypes.IsMergeable(want))
            {
                zone.MoveFreepagesBlock(pfn, now, want);
            }
        }
    }

    /// <summary>
    /// take_page_off_buddy() for a chunk: the free chunk containing <paramref name="pfn"/> leaves its list and is split down
    /// to <paramref name="order"/> (break_down_buddy_pages(): each half without the target goes back on the same list), then
    /// the chunk is allocated with <paramref name="requested"/>. False if no free chunk holds it (the spec reserved it).
    /// </summary>
    private static bool TakeChunk(Zone zone, int pfn, int order, MigrateType requested)
    {
        for (var high = order; high <= PageAlloc.MaxPageOrder; high++)
        {
            var head = pfn & ~((1 << high) - 1);
            ref var page = ref zone.Pages[head];
            if (page.State != PageState.Buddy || page.Order != high)
            {
                continue;
            }

            var mt = (MigrateType)page.Tag;
            zone.DelFromFreeList(head, high, mt);
            while (high > order)
            {
                high--;
                var size = 1 << high;
                if (pfn >= head + size)
                {
                    zone.AddToFreeList(head, high, mt, tail: false);
                    head += size;
                }
                else
                {
                    zone.AddToFreeList(head + size, high, mt, tail: false);
                }

                zone.AccountFreepages(size, mt);
            }

            ref var chunk = ref zone.Pages[pfn];
            chunk.State = PageState.InFlight;
            chunk.Order = (byte)order;
            zone.PrepNewPage(pfn, order, requested);
            return true;
        }

        return false;
    }

    /// <summary>Pairs of whole free pageblocks the split left apart, freed again through __free_one_page(), which merges them as their types allow.</summary>
    private static void Remerge(Zone zone)
    {
        const int blockPages = PageAlloc.PageblockNrPages;
        for (var pfn = 0; pfn + (2 * blockPages) <= zone.PresentPages; pfn += 2 * blockPages)
        {
            ref var low = ref zone.Pages[pfn];
            ref var high = ref zone.Pages[pfn + blockPages];
            if (low.State != PageState.Buddy || low.Order != PageAlloc.PageblockOrder || high.State != PageState.Buddy || high.Order != PageAlloc.PageblockOrder)
            {
                continue;
            }

            var mt = (MigrateType)low.Tag;
            zone.DelFromFreeList(pfn, PageAlloc.PageblockOrder, mt);
            zone.FreeOnePage(pfn, PageAlloc.PageblockOrder, mt, FpiFlags.None);
        }
    }
}
