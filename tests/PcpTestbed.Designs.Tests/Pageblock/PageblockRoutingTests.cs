using PcpTestbed.Designs.Tests.Support;
using PcpTestbed.Model;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs.Tests.Pageblock;

/// <summary>
/// KERNEL.md §6 and §7.4-7.5: a free of a page of an owned block goes to the owner's PCP whichever CPU
/// frees it; if the owner's pcp->lock is taken it goes to the buddy, never to the freeing CPU's PCP.
/// </summary>
public class PageblockRoutingTests
{
    public static IEnumerable<object[]> DesignsAndLocalLockHeld() =>
        Rig.PageblockDesigns().SelectMany(d => new[] { new[] { d[0], false }, new[] { d[0], true } });

    [Theory]
    [MemberData(nameof(DesignsAndLocalLockHeld))]
    public void A_foreign_free_of_an_owned_page_lands_on_the_owners_pcp_as_a_pcp_buddy(DesignKind design, bool freeingCpuLockHeld)
    {
        var rig = new Rig(design, "1G", cpus: 2);
        var pfn = rig.Alloc(0);
        var owner = rig.Owner(rig.BlockOf(pfn));
        Assert.Equal(0, owner);
        if (freeingCpuLockHeld)
        {
            rig.SeizePcpLock(1, holder: 0);
        }

        rig.A.Free(1, pfn, 0);

        if (freeingCpuLockHeld)
        {
            rig.ReleasePcpLock(1);
        }

        Assert.Equal(PageState.PcpBuddy, rig.Page(pfn).State);
        Assert.Equal(0, rig.Page(pfn).Cpu);
        Assert.Equal(0, rig.A.PcpCount(1));
        var stats = rig.A.Stats();
        Assert.Equal(1, stats.RemoteFrees);
        Assert.Equal(0, stats.RemoteFreeFallbacks);
        Assert.Equal(0, stats.PcpFreeTrylockFailures);

        // The owner's next allocation takes the page back (LIFO), with no refill.
        Assert.Equal(pfn, rig.Alloc(0));
        Assert.Equal(1, rig.A.Stats().Refills);
        Assert.Equal(PageAlloc.PageblockNrPages - 1, rig.A.PcpCount(0));
        rig.AssertAuditClean();
    }

    [Theory]
    [InlineData(DesignKind.Pageblock)]
    [InlineData(DesignKind.PageblockCmaFix)]
    public void A_foreign_free_finding_the_owners_pcp_lock_taken_goes_to_the_buddy_and_the_block_joins_owned_blocks(DesignKind design)
    {
        var rig = new Rig(design, "1G", cpus: 2);
        var pfn = rig.Alloc(0);
        var block = rig.BlockOf(pfn);
        Assert.Equal(-1, rig.Zone.Ownership!.First(0));
        rig.SeizePcpLock(0, holder: 0);
        rig.Log.Clear();

        rig.A.Free(1, pfn, 0);

        rig.ReleasePcpLock(0);
        var stats = rig.A.Stats();
        Assert.Equal(1, stats.RemoteFreeFallbacks);
        Assert.Equal(0, stats.RemoteFrees);
        Assert.Equal(1, rig.Log.FailedTrylocks(LockClass.Pcp, LockSite.PcpRemoteFree, cpu: 1, instance: 0));
        Assert.Equal(0, rig.Log.Acquisitions(LockClass.Pcp)); // the freeing CPU's own PCP was not used either
        Assert.Equal(1, rig.Log.Acquisitions(LockClass.Zone, LockSite.TrylockFallbackFree));
        Assert.Equal(PageState.Buddy, rig.Page(pfn).State);
        Assert.Equal(0, rig.A.PcpCount(1));
        Assert.Equal(block, rig.Zone.Ownership.First(0));
        Assert.Equal(1, rig.Zone.Ownership.Length(0));
        Assert.Equal(0, rig.Owner(block));
        rig.AssertAuditClean();
    }

    [Theory]
    [MemberData(nameof(Rig.PageblockDesigns), MemberType = typeof(Rig))]
    public void After_the_owner_dies_its_blocks_are_unowned_and_their_pages_free_to_the_freeing_cpus_pcp_as_plain_pages(DesignKind design)
    {
        var rig = new Rig(design, "1G", cpus: 2);
        var pfn = rig.Alloc(0);
        var block = rig.BlockOf(pfn);

        rig.A.CpuDead(0, 1);

        Assert.Equal(-1, rig.Owner(block));
        Assert.Equal(0, rig.A.PcpCount(0));
        rig.A.Free(1, pfn, 0);
        Assert.Equal(PageState.Pcp, rig.Page(pfn).State);
        Assert.Equal(1, rig.Page(pfn).Cpu);
        Assert.Equal(1, rig.A.PcpCount(1));
        var stats = rig.A.Stats();
        Assert.Equal(0, stats.RemoteFrees);
        Assert.Equal(0, stats.RemoteFreeFallbacks);
        rig.AssertAuditClean();
    }
}
