using System.Runtime.CompilerServices;
using PcpTestbed.Model;
using PcpTestbed.Model.Audit;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs;

// The data pcp->lock guards, shared by the designs: every change goes through a helper that asserts the very lock
// (lockdep_assert_held(&pcp->lock) with the current CPU), and the list and count changes are scheduling points too, so
// that a critical section entered without the lock interleaves with one that holds it. Also the audit of the lists.
public abstract partial class PageAllocator<TExec>
{
    /// <summary>
    /// Links a chunk into a list of <paramref name="target"/>'s PCP, marking its head. The caller holds that pcp->lock
    /// (asserted); a scheduling point at <paramref name="site"/> before the list changes.
    /// </summary>
    protected void PcpListAdd(int target, ref ListHead list, int listIndex, int pfn, int order, PageState state, bool tail,
        AccessSite site, PcpPageFlags flags = PcpPageFlags.None, [CallerMemberName] string caller = "")
    {
        _exec.AssertHeld(ref _pcps[target].Lock, caller);
        _exec.SharedWrite(SharedLocation.PcpLists(target), site);
        ref var page = ref _pages[pfn];
        page.State = state;
        page.Order = (byte)order;
        page.Tag = (byte)listIndex;
        page.Flags = (byte)flags;
        page.Cpu = target;
        if (tail)
        {
            PageList.AddTail(_pages, ref list, pfn);
        }
        else
        {
            PageList.AddHead(_pages, ref list, pfn);
        }

        _exec.Work(WorkKind.ListOp, 1);
    }

    /// <summary>
    /// Unlinks a chunk from a list of <paramref name="target"/>'s PCP and leaves it in flight. The caller holds that
    /// pcp->lock (asserted). A scheduling point at <paramref name="site"/> comes after the caller chose the chunk and
    /// before the list changes, so a CPU in the same critical section without the lock may take it first. With checks
    /// on, check_new_page()'s PCP half: the chunk must be a head on <paramref name="target"/>'s PCP, else
    /// <see cref="BadPageException"/> before anything changes.
    /// </summary>
    protected void PcpListRemove(int target, ref ListHead list, int pfn, AccessSite site, [CallerMemberName] string caller = "")
    {
        _exec.AssertHeld(ref _pcps[target].Lock, caller);
        _exec.SharedWrite(SharedLocation.PcpLists(target), site);
        if (_exec.Lockdep && _zone.Checked)
        {
            CheckPcpPage(target, pfn, caller);
        }

        PageList.Remove(_pages, ref list, pfn);
        _exec.Work(WorkKind.ListOp, 1);
        ref var page = ref _pages[pfn];
        page.State = PageState.InFlight;
        page.Flags = 0;
    }

    /// <summary>
    /// pcp->count += <paramref name="delta"/> on <paramref name="target"/>'s PCP (<paramref name="pcp"/>), whose pcp->lock
    /// the caller holds (asserted): the helper every count update goes through. The kernel's += is a load and a store;
    /// the scheduling point at <paramref name="site"/> sits between them, so a CPU updating the count without the lock
    /// can slip in and one update is lost, as on real hardware.
    /// </summary>
    protected void PcpCountAdd(int target, ref PerCpuPages pcp, int delta, AccessSite site, [CallerMemberName] string caller = "")
    {
        _exec.AssertHeld(ref _pcps[target].Lock, caller);
        var count = pcp.Count;
        _exec.WriteOnce(ref pcp.Count, count + delta, SharedLocation.PcpCount(target), site);
    }

    /// <summary>pcp->high = <paramref name="high"/> on <paramref name="target"/>'s PCP, whose pcp->lock the caller holds (asserted). Returns it.</summary>
    protected int PcpHighSet(int target, ref PerCpuPages pcp, int high, [CallerMemberName] string caller = "")
    {
        _exec.AssertHeld(ref _pcps[target].Lock, caller);
        pcp.High = high;
        return high;
    }

    /// <summary>
    /// lockdep_assert_held(&amp;pcp->lock) of <paramref name="target"/> before an update of the fields it guards that need
    /// no helper of their own (free_count, alloc_factor, flags): called right before the update.
    /// </summary>
    protected void AssertPcpLocked(int target, [CallerMemberName] string caller = "") => _exec.AssertHeld(ref _pcps[target].Lock, caller);

    /// <summary>
    /// READ_ONCE of <paramref name="target"/>'s batch, high_min and high_max, which zone_pcp_update() writes without
    /// pcp->lock: one read point at <paramref name="site"/>, the three fields read in its step.
    /// </summary>
    protected (int Batch, int HighMin, int HighMax) ReadPcpSizing(int target, AccessSite site)
    {
        ref var pcp = ref _pcps[target];
        _exec.SharedRead(SharedLocation.PcpSizing(target), site);
        return (pcp.Batch, pcp.HighMin, pcp.HighMax);
    }

    private void CheckPcpPage(int target, int pfn, string caller)
    {
        ref var page = ref _pages[pfn];
        if (page.State is not (PageState.Pcp or PageState.PcpBuddy) || page.Cpu != target)
        {
            throw new BadPageException(_zone.AbsolutePfn(pfn), page.Order, BadPageReason.NotFree,
                $"{caller} takes it off CPU {target}'s PCP but the page is {_zone.DescribePage(pfn)}");
        }
    }

    /// <summary>
    /// Claims every chunk on one PCP list for the audit and checks its links, list index and order.
    /// Returns the pages the list holds.
    /// </summary>
    protected long AuditPcpList(AuditContext ctx, int cpu, ref ListHead list, int listIndex, int order, string where)
    {
        long pagesOnList = 0;
        var prev = -1;
        var n = 0;
        for (var p = list.First; p >= 0; p = PageList.Next(_pages, p))
        {
            if (++n > _zone.PresentPages)
            {
                ctx.Report(AuditRule.PcpCount, -1, $"{where}: the list cycles");
                break;
            }

            if (!ctx.ClaimPcpChunk(p, cpu, where))
            {
                break;
            }

            ref var page = ref _pages[p];
            if (PageList.Prev(_pages, p) != prev)
            {
                ctx.Report(AuditRule.PcpCount, p, $"{where}: prev link does not point back to the previous entry");
            }

            if (page.Tag != listIndex)
            {
                ctx.Report(AuditRule.PcpCount, p, $"{where}: page says list {page.Tag}");
            }

            if (page.Order != order)
            {
                ctx.Report(AuditRule.PcpCount, p, $"{where}: order-{page.Order} chunk on the order-{order} list");
            }

            AuditPcpChunk(ctx, cpu, p, where);
            pagesOnList += 1L << page.Order;
            prev = p;
        }

        if (list.Last != prev)
        {
            ctx.Report(AuditRule.PcpCount, -1, $"{where}: tail pointer is not the last entry");
        }

        return pagesOnList;
    }

    /// <summary>
    /// A design's own rules for one chunk of a PCP list, called from <see cref="AuditPcpList"/>'s walk, which stops at a
    /// cycle (a corrupted list must end the audit with a report, not hold the stopped world forever).
    /// </summary>
    protected virtual void AuditPcpChunk(AuditContext ctx, int cpu, int p, string where)
    {
    }

    /// <summary>§7.2: pcp.count equals the pages its lists hold; a dead CPU's PCP is empty.</summary>
    protected void AuditPcpCount(AuditContext ctx, int cpu, long pagesOnLists)
    {
        var count = _pcps[cpu].Count;
        if (count != pagesOnLists)
        {
            ctx.Report(AuditRule.PcpCount, -1, $"CPU {cpu}: pcp->count is {count}, its lists hold {pagesOnLists} pages");
        }

        if (!IsOnline(cpu) && pagesOnLists != 0)
        {
            ctx.Report(AuditRule.SingleState, -1, $"CPU {cpu} is dead but its PCP holds {pagesOnLists} pages");
        }

        if (_pcps[cpu].Lock.IsHeld)
        {
            ctx.Report(AuditRule.SingleState, -1, $"CPU {cpu}'s pcp->lock is held by CPU {_pcps[cpu].Lock.HolderCpu} at a quiescent point");
        }
    }
}
