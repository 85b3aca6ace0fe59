using PcpTestbed.Designs.Tests.Support;
using PcpTestbed.Model;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs.Tests.Mainline;

/// <summary>
/// KERNEL.md §5 and §7.5: a failed pcp trylock never waits. Allocation goes to rmqueue_buddy(); a free goes
/// to the buddy through free_one_page(), never to another CPU's PCP. The failure is forced by holding the
/// CPU's pcp->lock on behalf of another CPU, as a remote drain would.
/// </summary>
public class MainlineTrylockTests
{
    [Fact]
    public void A_failed_pcp_trylock_on_allocation_takes_the_page_from_the_buddy_and_leaves_the_pcp_untouched()
    {
        var rig = new Rig(DesignKind.Mainline);
        var cached = rig.Alloc(0);
        var count = rig.A.PcpCount(0);
        var pcpList = rig.PcpList(0, PageAlloc.OrderToPindex(MigrateType.Movable, 0));
        var nrFree = rig.Zone.NrFreePages;
        rig.SeizePcpLock(0, holder: 2);
        rig.Log.Clear();

        var pfn = rig.Alloc(0);

        rig.ReleasePcpLock(0);
        var stats = rig.A.Stats();
        Assert.Equal(1, stats.PcpAllocTrylockFailures);
        Assert.Equal(1, stats.BuddyAllocations);
        Assert.Equal(1, stats.PcpAllocations); // the first allocation only
        Assert.Equal(1, rig.Log.FailedTrylocks(LockClass.Pcp, LockSite.PcpAlloc, cpu: 0, instance: 0));
        Assert.Equal(1, rig.Log.Acquisitions(LockClass.Zone, LockSite.BuddyAlloc));
        Assert.Equal(0, rig.Log.Acquisitions(LockClass.Zone, LockSite.Refill));
        Assert.DoesNotContain(rig.Rel(pfn), pcpList);
        Assert.NotEqual(cached, pfn);
        Assert.Equal(count, rig.A.PcpCount(0));
        Assert.Equal(pcpList, rig.PcpList(0, PageAlloc.OrderToPindex(MigrateType.Movable, 0)));
        Assert.Equal(nrFree - 1, rig.Zone.NrFreePages);
        rig.AssertAuditClean();
    }

    [Fact]
    public void A_failed_pcp_trylock_on_free_frees_to_the_buddy_and_never_to_another_cpus_pcp()
    {
        var rig = new Rig(DesignKind.Mainline);
        var pfn = rig.Alloc(1);
        var counts = Enumerable.Range(0, 4).Select(rig.A.PcpCount).ToArray();
        var nrFree = rig.Zone.NrFreePages;
        rig.SeizePcpLock(0, holder: 2);
        rig.Log.Clear();

        rig.A.Free(0, pfn, 0);

        rig.ReleasePcpLock(0);
        Assert.Equal(1, rig.A.Stats().PcpFreeTrylockFailures);
        Assert.Equal(counts, Enumerable.Range(0, 4).Select(rig.A.PcpCount).ToArray());
        Assert.Equal(nrFree + 1, rig.Zone.NrFreePages);
        Assert.NotEqual(PageState.Pcp, rig.Page(pfn).State);
        Assert.Equal(1, rig.Log.Acquisitions(LockClass.Zone, LockSite.TrylockFallbackFree));
        Assert.Equal(0, rig.Log.Acquisitions(LockClass.Pcp)); // no other PCP was even tried
        rig.AssertAuditClean();
    }
}
