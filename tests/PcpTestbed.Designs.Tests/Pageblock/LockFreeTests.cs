using PcpTestbed.Designs.Tests.Support;
using PcpTestbed.Model;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs.Tests.Pageblock;

/// <summary>
/// The lock-free variant (beyond the RFC): a remote free pushes the page onto the owner's remote-free list
/// with a CAS, taking no lock; whoever next holds the owner's pcp->lock takes the whole list onto the PCP.
/// CPU death closes the list, so no push can strand a page on a dead CPU.
/// </summary>
public class LockFreeTests
{
    /// <summary>Page.Tag of a page pushed onto a remote-free list and not yet taken (the design's RemotePendingTag).</summary>
    private const byte RemotePendingTag = 0xFF;

    [Fact]
    public void A_remote_free_takes_no_lock_and_the_owner_takes_the_whole_list_on_its_next_pcp_operation()
    {
        var rig = new Rig(DesignKind.PageblockLockFree, "1G", cpus: 2);
        var pages = rig.AllocMany(0, 3);
        var count = rig.A.PcpCount(0);
        rig.SeizePcpLock(0, holder: 0); // even with the owner's lock held, the push succeeds
        rig.Log.Clear();

        rig.FreeMany(1, pages);

        rig.ReleasePcpLock(0);
        Assert.Empty(rig.Log.Events); // not a trylock, not zone->lock: nothing
        Assert.Equal(3, rig.A.Stats().RemoteFrees);
        Assert.Equal(count, rig.A.PcpCount(0));
        Assert.Equal(0, rig.A.PcpCount(1));
        Assert.Equal(rig.Rel(pages[2]) + 1, rig.Pcp(0).RemoteFreeHead);
        Assert.All(pages, p =>
        {
            Assert.Equal(PageState.PcpBuddy, rig.Page(p).State);
            Assert.Equal(RemotePendingTag, rig.Page(p).Tag);
            Assert.Equal(0, rig.Page(p).Cpu);
        });
        rig.AssertAuditClean();

        // The owner's next allocation takes all three onto its lists and hands out one of them.
        var pfn = rig.Alloc(0);

        Assert.Contains(pfn, pages);
        Assert.Equal(0, rig.Pcp(0).RemoteFreeHead);
        Assert.Equal(count + 3 - 1, rig.A.PcpCount(0));
        Assert.All(pages.Where(p => p != pfn), p =>
        {
            Assert.Equal(PageState.PcpBuddy, rig.Page(p).State);
            Assert.NotEqual(RemotePendingTag, rig.Page(p).Tag);
        });
        Assert.Equal(1, rig.A.Stats().Refills);
        rig.AssertAuditClean();
    }

    [Fact]
    public void Pending_remote_frees_count_for_drain_all_pages_and_merge_on_the_owner()
    {
        var rig = new Rig(DesignKind.PageblockLockFree, "1G", cpus: 2);
        var pages = rig.AllocMany(0, PageAlloc.PageblockNrPages);
        rig.FreeMany(1, pages);
        Assert.Equal(0, rig.A.PcpCount(0));

        rig.A.DrainAllPages(1);

        Assert.Equal(0, rig.Pcp(0).RemoteFreeHead);
        Assert.Equal(PageAlloc.PageblockNrPages - 1, rig.A.Stats().PcpMerges);
        Assert.Equal(rig.Zone.PresentPages, rig.Zone.NrFreePages);
        rig.AssertAuditClean();
    }

    [Fact]
    public void Cpu_dead_takes_the_pending_frees_closes_the_list_and_later_frees_take_the_unowned_path()
    {
        var rig = new Rig(DesignKind.PageblockLockFree, "1G", cpus: 2);
        var pages = rig.AllocMany(0, 2);
        var block = rig.BlockOf(pages[0]);
        rig.A.Free(1, pages[0], 0);

        rig.A.CpuDead(0, 1);

        Assert.Equal(PerCpuPages.RemoteListClosed, rig.Pcp(0).RemoteFreeHead);
        Assert.Equal(0, rig.A.PcpCount(0));
        Assert.NotEqual(PageState.PcpBuddy, rig.Page(pages[0]).State);
        Assert.Equal(-1, rig.Owner(block));
        rig.AssertAuditClean();

        rig.Log.Clear();
        rig.A.Free(1, pages[1], 0);

        Assert.Equal(PageState.Pcp, rig.Page(pages[1]).State);
        Assert.Equal(1, rig.Page(pages[1]).Cpu);
        Assert.Equal(1, rig.Log.Acquisitions(LockClass.Pcp, LockSite.PcpFree, cpu: 1, instance: 1));
        Assert.Equal(1, rig.A.Stats().RemoteFrees);
        rig.AssertAuditClean();

        rig.A.CpuOnline(0, 0);
        Assert.Equal(0, rig.Pcp(0).RemoteFreeHead);
        var again = rig.Alloc(0);
        rig.A.Free(1, again, 0);
        Assert.Equal(rig.Rel(again) + 1, rig.Pcp(0).RemoteFreeHead);
        rig.AssertAuditClean();
    }

    [Fact]
    public void A_push_racing_cpu_death_finds_the_list_closed_and_the_page_ends_in_the_buddy()
    {
        var rig = new Rig(DesignKind.PageblockLockFree, "1G", cpus: 2);
        var pfn = rig.Alloc(0);
        var block = rig.BlockOf(pfn);
        rig.A.CpuDead(0, 1);

        // Replays the free of a CPU that read the owner before page_alloc_cpu_dead() released the block.
        rig.UnderZoneLock(() => rig.Zone.ClaimBlockOwnership(block, 0));
        var nrFree = rig.Zone.NrFreePages;
        rig.A.Free(1, pfn, 0);
        rig.UnderZoneLock(() => rig.Zone.ReleaseBlockOwnership(block));

        var stats = rig.A.Stats();
        Assert.Equal(0, stats.RemoteFrees);
        Assert.True(stats.RemoteFreeReroutes > 0);
        Assert.Equal(PerCpuPages.RemoteListClosed, rig.Pcp(0).RemoteFreeHead);
        Assert.Equal(0, rig.A.PcpCount(0));
        Assert.Equal(0, rig.A.PcpCount(1));
        Assert.Equal(nrFree + 1, rig.Zone.NrFreePages);
        rig.AssertAuditClean();
    }
}
