using PcpTestbed.Model;
using PcpTestbed.Model.Audit;

namespace PcpTestbed.Designs.Pageblock;

// §7.2, 7.4 and 7.5 for the pageblock designs.
public sealed partial class PageblockAllocator<TExec>
{
    protected override void AuditPcp(AuditContext ctx)
    {
        for (var cpu = 0; cpu < Cpus; cpu++)
        {
            ref var pcp = ref _pcps[cpu];
            long pages = 0;
            for (var index = 0; index < PcpListHeads.Capacity; index++)
            {
                var where = $"CPU {cpu} pcp list {MigrateTypes.KernelName((MigrateType)(index / OrdersPerType))}/order {ListOrder(index)}";
                pages += AuditPcpList(ctx, cpu, ref pcp.Lists[index], index, ListOrder(index), where);
            }

            AuditRemoteList(ctx, cpu, ref pcp);
            AuditPcpCount(ctx, cpu, pages);
        }

        // §7.4: after CPU offline no page, and no block, is owned by the dead CPU.
        for (var block = 0; block < _zone.NrPageblocks; block++)
        {
            var owner = _zone.Blocks[block].Owner;
            if (owner >= 0 && owner < Cpus && !IsOnline(owner))
            {
                ctx.Report(AuditRule.Ownership, block << PageAlloc.PageblockOrder, $"pageblock {block} is owned by dead CPU {owner}");
            }
        }
    }

    /// <summary>
    /// §7.4 for one chunk on <paramref name="cpu"/>'s PCP: a PCP buddy's block is owned by that CPU, and no routed free left
    /// an unowned page there. In the list walk, so a list that cycles ends it: a second walk of its own, unbounded, held
    /// the stopped world forever on one (remote-push-state-before-tag's seed 801, `dotnet-stack report` of a run 100 s in,
    /// 2026-12-08 02:11: the coordinator in this loop, both CPUs parked; once, a run that did not end in 600 s).
    /// </summary>
    protected override void AuditPcpChunk(AuditContext ctx, int cpu, int p, string where)
    {
        ref var page = ref _pages[p];
        var owner = _zone.Blocks[p >> PageAlloc.PageblockOrder].Owner;
        if (page.State == PageState.PcpBuddy && owner != cpu)
        {
            ctx.Report(AuditRule.Ownership, p,
                $"{where}: a PCP buddy on CPU {cpu}'s PCP, but its block is owned by {(owner < 0 ? "nobody" : $"CPU {owner}")}");
        }

        if (page.State == PageState.Pcp && (page.Flags & (byte)PcpPageFlags.RoutedFree) != 0)
        {
            ctx.Report(AuditRule.TrylockFallback, p, $"{where}: an unowned page put on CPU {cpu}'s PCP by another CPU's free");
        }
    }

    private void AuditRemoteList(AuditContext ctx, int cpu, ref PerCpuPages pcp)
    {
        var head = pcp.RemoteFreeHead;
        if (!_lockFree)
        {
            if (head != 0)
            {
                ctx.Report(AuditRule.Ownership, -1, $"CPU {cpu}: a remote-free list head ({head}) in a design without remote lists");
            }

            return;
        }

        if (head == PerCpuPages.RemoteListClosed)
        {
            if (IsOnline(cpu))
            {
                ctx.Report(AuditRule.Ownership, -1, $"CPU {cpu} is online but its remote-free list is closed");
            }

            return;
        }

        var where = $"CPU {cpu} remote-free list";
        var n = 0;
        for (var link = head; link > 0; link = PageList.StackNext(_pages, link - 1))
        {
            var p = link - 1;
            if (++n > _zone.PresentPages || !ctx.ClaimPcpChunk(p, cpu, where))
            {
                break;
            }

            if (_pages[p].Tag != RemotePendingTag || _pages[p].State != PageState.PcpBuddy)
            {
                ctx.Report(AuditRule.SingleState, p, $"{where}: holds a {_pages[p].State} chunk not marked pending");
            }

            if (!IsOnline(cpu))
            {
                ctx.Report(AuditRule.Ownership, p, $"{where}: dead CPU {cpu} has a pending remote free (stranded)");
            }

            // A pending page's block may have been released since its pusher read the owner (the owner died and came
            // back meanwhile): the owner decides when it takes the list, so ownership is checked once it is listed.
        }
    }
}
