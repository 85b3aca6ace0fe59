using System.Runtime.CompilerServices;
using PcpTestbed.Model;
using PcpTestbed.Model.Audit;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs;

// Putting chunks on PCP lists and auditing the lists, shared by the designs.
public abstract partial class PageAllocator<TExec>
{
    /// <summary>Links a chunk into a list of <paramref name="target"/>'s PCP, marking its head. The caller holds that pcp->lock (asserted).</summary>
    protected void PcpListAdd(int target, ref ListHead list, int listIndex, int pfn, int order, PageState state, bool tail,
        PcpPageFlags flags = PcpPageFlags.None, [CallerMemberName] string caller = "")
    {
        _exec.AssertHeld(ref _pcps[target].Lock, caller);
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
    /// pcp->lock (asserted). With checks on, check_new_page()'s PCP half: the chunk must be a head on
    /// <paramref name="target"/>'s PCP, else <see cref="BadPageException"/> before anything changes.
    /// </summary>
    protected void PcpListRemove(int target, ref ListHead list, int pfn, [CallerMemberName] string caller = "")
    {
        _exec.AssertHeld(ref _pcps[target].Lock, caller);
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
    /// the caller holds (asserted): the helper every count update under the lock goes through.
    /// </summary>
    protected void PcpCountAdd(int target, ref PerCpuPages pcp, int delta, [CallerMemberName] string caller = "")
    {
        _exec.AssertHeld(ref _pcps[target].Lock, caller);
        pcp.Count += delta;
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

            pagesOnList += 1L << page.Order;
            prev = p;
        }

        if (list.Last != prev)
        {
            ctx.Report(AuditRule.PcpCount, -1, $"{where}: tail pointer is not the last entry");
        }

        return pagesOnList;
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
