using PcpTestbed.Designs.Tests.Support;
using PcpTestbed.Model;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs.Tests.Pageblock;

/// <summary>
/// KERNEL.md §6 refill phase 1: a CPU claims a whole free pageblock under one zone->lock hold, becomes its
/// owner, and splits it on its PCP (pcp_rmqueue_smallest()); the pieces are owned PCP buddies.
/// The 1 GiB zone with 2 CPUs has batch 63 and high_min 643, so one claimed block (512 pages) fits under high.
/// </summary>
public class PageblockClaimTests
{
    [Theory]
    [MemberData(nameof(Rig.PageblockDesigns), MemberType = typeof(Rig))]
    public void Phase1_claims_a_whole_pageblock_under_one_zone_lock_hold_and_splits_it_on_the_pcp(DesignKind design)
    {
        var rig = new Rig(design, "1G", cpus: 2);
        var nrFree = rig.Zone.NrFreePages;

        var pfn = rig.Alloc(0);

        var block = rig.BlockOf(pfn);
        var start = block << PageAlloc.PageblockOrder;
        Assert.Equal(1, rig.Log.Acquisitions(LockClass.Zone));
        Assert.Equal(1, rig.Log.Acquisitions(LockClass.Zone, LockSite.Refill));
        Assert.Equal(0, rig.Owner(block));
        Assert.Equal(start, rig.Rel(pfn));
        Assert.Equal(nrFree - PageAlloc.PageblockNrPages, rig.Zone.NrFreePages);
        Assert.Equal(PageAlloc.PageblockNrPages - 1, rig.A.PcpCount(0));

        // The allocation took the head; every upper half of the split stayed behind as an owned PCP buddy.
        for (var order = 0; order < PageAlloc.PageblockOrder; order++)
        {
            ref var page = ref rig.Zone.Pages[start + (1 << order)];
            Assert.Equal(PageState.PcpBuddy, page.State);
            Assert.Equal(order, page.Order);
            Assert.Equal(0, page.Cpu);
        }

        var stats = rig.A.Stats();
        Assert.Equal([0L, 1, 0, 0], stats.RefillsByPhase);
        Assert.Equal([0L, PageAlloc.PageblockNrPages, 0, 0], stats.PagesByPhase);
        Assert.Equal(PageAlloc.PageblockNrPages, stats.RefillPages);
        rig.AssertAuditClean();
    }

    [Theory]
    [MemberData(nameof(Rig.PageblockDesigns), MemberType = typeof(Rig))]
    public void Allocations_split_the_owned_block_smallest_fit_first_without_another_refill(DesignKind design)
    {
        var rig = new Rig(design, "1G", cpus: 2);
        var first = rig.Alloc(0);
        var start = rig.Rel(first);

        // Order 3 fits the order-3 remainder at start + 8; order 1 the one at start + 2.
        var o3 = rig.Alloc(0, Rig.Movable, 3);
        var o1 = rig.Alloc(0, Rig.Movable, 1);

        Assert.Equal(start + 8, rig.Rel(o3));
        Assert.Equal(start + 2, rig.Rel(o1));
        Assert.Equal(1, rig.A.Stats().Refills);
        Assert.Equal(PageAlloc.PageblockNrPages - 1 - 8 - 2, rig.A.PcpCount(0));
        rig.AssertAuditClean();
    }
}
