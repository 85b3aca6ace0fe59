using System.Runtime.CompilerServices;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Model;

// The buddy free lists: add, delete, move, split (expand) and merge (__free_one_page).
// Every function here runs under zone->lock.
public sealed partial class Zone
{
    /// <summary>
    /// account_freepages(): the counters follow the free list's migratetype. No scheduling point of its own: every call
    /// sits next to the free-list operation it accounts for, in the same zone->lock hold, and the counters change in the
    /// step of that operation's point (one point per list operation, not per field). The kernel's NR_FREE_PAGES and
    /// NR_FREE_CMA_PAGES are atomic (vm_stat), so a lost update of them is no race to look for; their racy readers
    /// (zone_page_state()) make their own read points.
    /// </summary>
    public void AccountFreepages(long nrPages, MigrateType mt)
    {
        AssertLocked();
        AddFreepages(nrPages, mt);
    }

    // A 64-bit store is atomic: a racy reader sees each counter whole.
    private void AddFreepages(long nrPages, MigrateType mt)
    {
        if (mt == MigrateType.Isolate)
        {
            return;
        }

        _nrFreePages += nrPages;
        if (mt == MigrateType.Cma)
        {
            _nrFreeCmaPages += nrPages;
        }
        else if (mt == MigrateType.HighAtomic)
        {
            _nrFreeHighatomic += nrPages;
        }
    }

    /// <summary>__add_to_free_list(): link a free chunk's head and mark it PageBuddy. Does not account.</summary>
    public void AddToFreeList(int pfn, int order, MigrateType mt, bool tail)
    {
        AssertLocked();
        _seam.Write(SharedLocation.FreeArea(order), AccessSite.FreeListAdd);
        ref var page = ref Pages[pfn];
        page.State = PageState.Buddy;
        page.Order = (byte)order;
        page.Tag = (byte)mt;
        ref var list = ref _freeList[order * MigrateTypes.Count + (int)mt];
        if (tail)
        {
            PageList.AddTail(Pages, ref list, pfn);
        }
        else
        {
            PageList.AddHead(Pages, ref list, pfn);
        }

        _work.ListOps++;
        _nrFree[order]++;
        _nrFreeByType[order * MigrateTypes.Count + (int)mt]++;
        NoteZoneFree(pfn, order, 1);
    }

    /// <summary>move_to_free_list(): move a free chunk to another type's list (tail) and move its accounting.</summary>
    public void MoveToFreeList(int pfn, int order, MigrateType oldMt, MigrateType newMt)
    {
        AssertLocked();
        _seam.Write(SharedLocation.FreeArea(order), AccessSite.FreeListMove);
        if (Checked)
        {
            CheckFreeListPage(pfn, order, oldMt);
        }

        ref var page = ref Pages[pfn];
        PageList.Remove(Pages, ref _freeList[order * MigrateTypes.Count + (int)oldMt], pfn);
        PageList.AddTail(Pages, ref _freeList[order * MigrateTypes.Count + (int)newMt], pfn);
        _work.ListOps += 2;
        page.Tag = (byte)newMt;
        _nrFreeByType[order * MigrateTypes.Count + (int)oldMt]--;
        _nrFreeByType[order * MigrateTypes.Count + (int)newMt]++;
        // The accounting moves in the same step as the chunk (one point per list operation).
        AddFreepages(-(1L << order), oldMt);
        AddFreepages(1L << order, newMt);
    }

    /// <summary>__del_page_from_free_list(): unlink a free chunk and clear PageBuddy. Does not account.</summary>
    public void DelFromFreeListNoAccount(int pfn, int order, MigrateType mt)
    {
        AssertLocked();

        // The point comes after the caller chose the chunk and before the check: a CPU in the same critical section
        // without zone->lock may take the chunk in between, and check_new_page() then sees it gone.
        _seam.Write(SharedLocation.FreeArea(order), AccessSite.FreeListDel);
        if (Checked)
        {
            CheckFreeListPage(pfn, order, mt);
        }

        PageList.Remove(Pages, ref _freeList[order * MigrateTypes.Count + (int)mt], pfn);
        ref var page = ref Pages[pfn];
        page.State = PageState.InFlight;
        page.Order = (byte)order;
        _work.ListOps++;
        _nrFree[order]--;
        _nrFreeByType[order * MigrateTypes.Count + (int)mt]--;
        NoteZoneFree(pfn, order, -1);
    }

    /// <summary>del_page_from_free_list().</summary>
    public void DelFromFreeList(int pfn, int order, MigrateType mt)
    {
        _work.ChunksMoved++;
        DelFromFreeListNoAccount(pfn, order, mt);
        AccountFreepages(-(1L << order), mt);
    }

    /// <summary>get_page_from_free_area(): the first chunk on a free list, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int GetPageFromFreeArea(int order, MigrateType mt) => _freeList[order * MigrateTypes.Count + (int)mt].First;

    /// <summary>
    /// find_buddy_page_pfn(): the buddy of a chunk at <paramref name="order"/>, if it is a free chunk
    /// of the same order in this zone (page_is_buddy()). <paramref name="buddyPfn"/> is set either way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool FindBuddy(int pfn, int order, out int buddyPfn)
    {
        buddyPfn = pfn ^ (1 << order);
        if ((uint)buddyPfn >= (uint)PresentPages)
        {
            // The buddy lies outside the zone (page_zone_id() differs, or no struct page).
            return false;
        }

        ref var buddy = ref Pages[buddyPfn];
        return buddy.State == PageState.Buddy && buddy.Order == order;
    }

    /// <summary>
    /// __free_one_page(): free a chunk into the buddy lists, merging with free buddies.
    /// At or above pageblock_order two blocks merge only if their types match or both are mergeable;
    /// merging a mergeable buddy of another type relabels the buddy's block ("match buddy type").
    /// </summary>
    public void FreeOnePage(int pfn, int order, MigrateType mt, FpiFlags fpi)
    {
        AssertLocked();
        var buddyPfn = 0;
        _work.ChunksMoved++;
        AccountFreepages(1L << order, mt);

        while (order < PageAlloc.MaxPageOrder)
        {
            if (!FindBuddy(pfn, order, out buddyPfn))
            {
                break;
            }

            var buddyMt = mt;
            if (order >= PageAlloc.PageblockOrder)
            {
                buddyMt = GetPageblockMigratetype(buddyPfn);
                if (mt != buddyMt && (!MigrateTypes.IsMergeable(mt) || !MigrateTypes.IsMergeable(buddyMt)))
                {
                    break;
                }
            }

            // Below pageblock_order the buddy's list type is the block type, which equals mt.
            DelFromFreeListNoAccount(buddyPfn, order, (MigrateType)Pages[buddyPfn].Tag);
            _work.MergeSteps++;
            Pages[buddyPfn].State = PageState.Tail;
            if (buddyMt != mt)
            {
                // Match buddy type, so that a later expand() puts the halves on the right lists.
                // Both types are mergeable here, and mergeable types account alike: no recount.
                SetPageblockMigratetype(buddyPfn, mt);
            }

            var combined = buddyPfn & pfn;
            if (combined != pfn)
            {
                Pages[pfn].State = PageState.Tail;
            }

            pfn = combined;
            order++;
        }

        bool toTail;
        if ((fpi & FpiFlags.ToTail) != 0)
        {
            toTail = true;
        }
        else
        {
            toTail = BuddyMergeLikely(pfn, buddyPfn, order);
        }

        AddToFreeList(pfn, order, mt, toTail);
    }

    /// <summary>
    /// buddy_merge_likely(): if the next-higher buddy is free, this chunk is likely to merge soon,
    /// so put it at the tail and hand out others first.
    /// </summary>
    private bool BuddyMergeLikely(int pfn, int buddyPfn, int order)
    {
        if (order >= PageAlloc.MaxPageOrder - 1)
        {
            return false;
        }

        var higherPfn = buddyPfn & pfn;
        return FindBuddy(higherPfn, order + 1, out _);
    }

    /// <summary>
    /// expand(): split a chunk of order <paramref name="high"/> down to <paramref name="low"/>, putting
    /// each upper half on <paramref name="mt"/>'s list. Returns the pages put back (not accounted here).
    /// </summary>
    public int Expand(int pfn, int low, int high, MigrateType mt)
    {
        var size = 1 << high;
        var added = 0;
        while (high > low)
        {
            high--;
            size >>= 1;
            AddToFreeList(pfn + size, high, mt, tail: false);
            added += size;
        }

        return added;
    }

    /// <summary>page_del_and_expand(): take a chunk off its list and split it, accounting only what leaves.</summary>
    public void PageDelAndExpand(int pfn, int low, int high, MigrateType mt)
    {
        var nrPages = 1 << high;
        _work.ChunksMoved++;
        DelFromFreeListNoAccount(pfn, high, mt);
        nrPages -= Expand(pfn, low, high, mt);
        Pages[pfn].Order = (byte)low;
        AccountFreepages(-nrPages, mt);
    }

    /// <summary>__rmqueue_smallest(): the smallest free chunk of <paramref name="mt"/> that fits, split to <paramref name="order"/>. -1 if none.</summary>
    public int RmqueueSmallest(int order, MigrateType mt)
    {
        AssertLocked();
        for (var current = order; current < PageAlloc.NrPageOrders; current++)
        {
            var pfn = GetPageFromFreeArea(current, mt);
            if (pfn < 0)
            {
                continue;
            }

            PageDelAndExpand(pfn, order, current, mt);
            return pfn;
        }

        return -1;
    }

    /// <summary>
    /// split_large_buddy(): free a chunk block by block, each with its own block's migratetype.
    /// The chunk is off every list and its pages are not PageBuddy.
    /// </summary>
    public void SplitLargeBuddy(int pfn, int order, FpiFlags fpi)
    {
        var end = pfn + (1 << order);
        if (order > PageAlloc.PageblockOrder)
        {
            order = PageAlloc.PageblockOrder;
        }

        do
        {
            var mt = GetPageblockMigratetype(pfn);
            FreeOnePage(pfn, order, mt, fpi);
            pfn += 1 << order;
        }
        while (pfn != end);
    }
}
