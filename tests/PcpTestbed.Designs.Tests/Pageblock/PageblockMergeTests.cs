using PcpTestbed.Designs.Tests.Support;
using PcpTestbed.Model;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs.Tests.Pageblock;

/// <summary>KERNEL.md §6: owned pages merge on the owner's PCP in a bottom-up pass before a drain frees them.</summary>
public class PageblockMergeTests
{
    [Theory]
    [MemberData(nameof(Rig.PageblockDesigns), MemberType = typeof(Rig))]
    public void A_whole_owned_block_freed_to_its_owner_merges_on_the_pcp_and_reaches_the_zone_as_one_pageblock(DesignKind design)
    {
        var rig = new Rig(design, "1G", cpus: 2);
        var pages = rig.AllocMany(0, PageAlloc.PageblockNrPages);
        var block = rig.BlockOf(pages[0]);
        Assert.All(pages, p => Assert.Equal(block, rig.BlockOf(p)));
        Assert.Equal(0, rig.A.PcpCount(0));

        // Half the frees are local, half remote: all of them end on the owner's PCP.
        for (var i = 0; i < pages.Count; i++)
        {
            rig.A.Free(i % 2, pages[i], 0);
        }

        Assert.Equal(0, rig.A.Stats().BulkFrees);
        Assert.Equal(0, rig.A.PcpCount(1));
        Assert.Equal(0, rig.Owner(block));
        rig.Log.Clear();

        rig.A.DrainAllPages(1);

        var stats = rig.A.Stats();
        Assert.Equal(PageAlloc.PageblockNrPages - 1, stats.PcpMerges); // 256 + 128 + ... + 1: one order-9 chunk left
        Assert.Equal(PageAlloc.PageblockNrPages, stats.BulkFreedPages);
        Assert.Equal(1, rig.Log.Acquisitions(LockClass.Zone, LockSite.Drain));
        Assert.Equal(0, rig.A.PcpCount(0));
        Assert.Equal(-1, rig.Owner(block));
        Assert.Equal(1, stats.OwnershipReleases);
        Assert.Equal(0, rig.Zone.Ownership!.Length(0));
        Assert.Equal(rig.Zone.PresentPages, rig.Zone.NrFreePages);
        rig.AssertAuditClean();
    }
}
