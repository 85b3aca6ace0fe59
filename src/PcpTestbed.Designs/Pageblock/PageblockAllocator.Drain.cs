using PcpTestbed.Model;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs.Pageblock;

// free_pcppages_bulk() of the RFC: a bottom-up merge pass under pcp->lock, then the (larger) chunks
// go to the zone under zone->lock. The merge pass runs in every call, so once per chunk of a chunked bulk
// free (6.19's free_frozen_page_commit() and decay_pcp_high(), drain_pages_zone()), each chunk under its own
// pcp->lock hold: the RFC merges inside free_pcppages_bulk() and sits on a tree that already chunks its
// callers. This emulation's inference, as is what it costs: every hold walks the whole PCP once to merge.
public sealed partial class PageblockAllocator<TExec>
{
    protected override void FreePcppagesBulk(int cpu, int target, ref PerCpuPages pcp, int count, int pindex, LockSite site)
    {
        if (!Has(InjectedBug.UnclampedBulkFreeCount))
        {
            count = Math.Min(pcp.Count, count);
        }

        ref var st = ref _stats[cpu];
        MergePass(cpu, target, ref pcp);
        st.BulkFrees++;

        pindex--;
        _exec.Lock(ref _zone.Lock, cpu, site);
        while (count > 0)
        {
            var probes = 0;
            do
            {
                if (++pindex > PcpListHeads.Capacity - 1)
                {
                    pindex = 0;
                }

                if (++probes > PcpListHeads.Capacity)
                {
                    _exec.Unlock(ref _zone.Lock, cpu);
                    throw new PcpHangException(
                        $"free_pcppages_bulk on CPU {target}'s PCP: {count} pages left to free but every list is empty (the kernel would spin here forever)");
                }
            }
            while (pcp.Lists[pindex].IsEmpty);

            ref var list = ref pcp.Lists[pindex];
            var order = ListOrder(pindex);
            do
            {
                var pfn = list.Last;
                var mt = _zone.GetPageblockMigratetype(pfn);
                PcpListRemove(target, ref list, pfn, AccessSite.BulkListDel);
                count -= 1 << order;
                PcpCountAdd(target, ref pcp, -(1 << order), AccessSite.BulkCount);
                st.BulkFreedPages += 1L << order;

                // The zone keeps owned_blocks exact as fragments land on its free lists.
                _zone.FreeOnePage(pfn, order, mt, FpiFlags.None);
            }
            while (count > 0 && !list.IsEmpty);
        }

        _exec.Unlock(ref _zone.Lock, cpu);
    }

    /// <summary>
    /// The bottom-up merge pass: order by order, an owned free chunk whose buddy is also a PCP buddy of
    /// the same order on this PCP merges with it; the merged chunk goes to the tail of the next order's
    /// list, so the drain that follows frees the largest, coldest chunks.
    /// </summary>
    private void MergePass(int cpu, int target, ref PerCpuPages pcp)
    {
        ref var st = ref _stats[cpu];
        for (var order = 0; order < PageAlloc.PageblockOrder; order++)
        {
            for (var mt = 0; mt < MigrateTypes.PcpTypes; mt++)
            {
                var index = ListIndex((MigrateType)mt, order);
                var p = pcp.Lists[index].First;
                while (p >= 0)
                {
                    var next = PageList.Next(_pages, p);
                    var buddy = p ^ (1 << order);
                    if (_pages[p].State == PageState.PcpBuddy && IsMergeableBuddy(target, buddy, order))
                    {
                        if (next == buddy)
                        {
                            next = PageList.Next(_pages, buddy);
                        }

                        PcpListRemove(target, ref pcp.Lists[_pages[buddy].Tag], buddy, AccessSite.MergeListDel);
                        PcpListRemove(target, ref pcp.Lists[index], p, AccessSite.MergeListDel);
                        var head = Math.Min(p, buddy);
                        _pages[Math.Max(p, buddy)].State = PageState.Tail;
                        var up = ListIndex((MigrateType)mt, order + 1);
                        PcpListAdd(target, ref pcp.Lists[up], up, head, order + 1, PageState.PcpBuddy, tail: true, AccessSite.MergeListAdd);
                        st.PcpMerges++;
                    }

                    p = next;
                }
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="buddy"/> is a PCP buddy of <paramref name="order"/> on <paramref name="target"/>'s PCP. The
    /// buddy may be anywhere (another CPU's PCP, the zone, in flight), so its struct page is read without the lock that
    /// guards it; but a page becomes, or stops being, a PCP buddy of this PCP only under this PCP's pcp->lock, which the
    /// caller holds, so the answer cannot change while it reads, and the read is no scheduling point. The lock-free
    /// variant's pushes break that: a remote free publishes a page as this PCP's buddy without the lock, so there the
    /// state is read at a point, first and with acquire semantics, pairing with the push's release after its
    /// RemotePendingTag: a page that reads as a PCP buddy here also shows that tag.
    /// </summary>
    private bool IsMergeableBuddy(int target, int buddy, int order)
    {
        ref var b = ref _pages[buddy];
        var state = _lockFree
            ? (PageState)_exec.ReadOnce(ref Page.StateByte(ref b), SharedLocation.Page(buddy), AccessSite.MergeBuddyRead)
            : b.State;
        return state == PageState.PcpBuddy && b.Order == order && b.Cpu == target && b.Tag != RemotePendingTag;
    }
}
