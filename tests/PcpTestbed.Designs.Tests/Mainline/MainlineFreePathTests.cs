using PcpTestbed.Designs.Tests.Support;
using PcpTestbed.Model;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs.Tests.Mainline;

/// <summary>
/// KERNEL.md §5 free path (free_unref_page(), free_unref_page_commit(), nr_pcp_high(), nr_pcp_free(),
/// free_pcppages_bulk()) on the mainline design. The 64 MiB zone has batch 3; with 4 CPUs high_min = 80
/// (low watermark 320 / 4) and high_max = 512. Pages freed on CPU 0 are allocated on CPU 1, so CPU 0's
/// PCP starts untouched: high 0 (clamped to high_min), alloc_factor 0, free_count 0.
/// </summary>
public class MainlineFreePathTests
{
    private static int Pindex(MigrateType mt, int order) => PageAlloc.OrderToPindex(mt, order);

    [Fact]
    public void Isolate_block_pages_are_freed_straight_to_the_buddy()
    {
        var rig = new Rig(DesignKind.Mainline);
        var pfn = rig.Alloc(0);
        var rel = rig.Rel(pfn);

        // start_isolate_page_range(): the block's free pages move to the ISOLATE lists.
        rig.UnderZoneLock(() => rig.Zone.MoveFreepagesBlock(rel, MigrateType.Movable, MigrateType.Isolate));
        var pcpCount = rig.A.PcpCount(0);
        var nrFree = rig.Zone.NrFreePages;
        rig.Log.Clear();

        rig.A.Free(0, pfn, 0);

        Assert.Equal(PageState.Buddy, rig.Page(pfn).State);
        Assert.Equal((byte)MigrateType.Isolate, rig.Page(pfn).Tag);
        Assert.Equal(pcpCount, rig.A.PcpCount(0));
        Assert.Equal(nrFree, rig.Zone.NrFreePages); // ISOLATE pages are not NR_FREE_PAGES
        Assert.Equal(0, rig.Log.Acquisitions(LockClass.Pcp));
        Assert.Equal(1, rig.Log.Acquisitions(LockClass.Zone, LockSite.DirectFree));
        rig.AssertAuditClean();
    }

    [Theory]
    [InlineData("64M,cma=75%@end", Gfp.HighUserMovable, 0, MigrateType.Cma)] // CMA holds most free pages: __rmqueue() takes CMA first
    [InlineData("1G,highatomic=2", Gfp.Atomic, 1, MigrateType.HighAtomic)] // v3: GFP_ATOMIC order 1 uses the reserve on the fast path
    public void Highatomic_and_cma_block_pages_are_freed_onto_the_movable_list(string spec, Gfp gfp, int order, MigrateType blockMt)
    {
        var rig = new Rig(DesignKind.Mainline, spec, highatomic: HighatomicVariant.V3);
        var pfn = rig.Alloc(1, gfp, order);
        Assert.Equal(blockMt, rig.BlockType(pfn));
        Assert.NotEqual(Pindex(MigrateType.Movable, order), Pindex(blockMt, order));

        rig.A.Free(0, pfn, order);

        Assert.Equal(PageState.Pcp, rig.Page(pfn).State);
        Assert.Equal(Pindex(MigrateType.Movable, order), rig.Page(pfn).Tag);
        Assert.Equal([rig.Rel(pfn)], rig.PcpList(0, Pindex(MigrateType.Movable, order)));
        Assert.Equal(1 << order, rig.A.PcpCount(0));
        rig.AssertAuditClean();
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Orders_the_pcp_does_not_cache_are_freed_straight_to_the_buddy(int order)
    {
        var rig = new Rig(DesignKind.Mainline);
        var pfn = rig.Alloc(0, Rig.Movable, order);
        var nrFree = rig.Zone.NrFreePages;
        rig.Log.Clear();

        rig.A.Free(0, pfn, order);

        Assert.Equal(0, rig.A.PcpCount(0));
        Assert.Equal(nrFree + (1 << order), rig.Zone.NrFreePages);
        Assert.Equal(0, rig.Log.Acquisitions(LockClass.Pcp));
        Assert.Equal(1, rig.Log.Acquisitions(LockClass.Zone, LockSite.DirectFree));
        rig.AssertAuditClean();
    }

    [Fact]
    public void A_free_goes_to_the_list_head_and_adds_its_pages_to_pcp_count()
    {
        var rig = new Rig(DesignKind.Mainline);
        var a = rig.Alloc(1);
        var b = rig.Alloc(1);
        var c = rig.Alloc(1, Rig.Movable, 2);

        rig.A.Free(0, a, 0);
        rig.A.Free(0, b, 0);
        rig.A.Free(0, c, 2);

        Assert.Equal([rig.Rel(b), rig.Rel(a)], rig.PcpList(0, Pindex(MigrateType.Movable, 0)));
        Assert.Equal([rig.Rel(c)], rig.PcpList(0, Pindex(MigrateType.Movable, 2)));
        Assert.Equal(1 + 1 + 4, rig.A.PcpCount(0));
        rig.AssertAuditClean();
    }

    [Fact]
    public void Free_count_grows_by_each_free_up_to_batch_shifted_by_scale_max_and_an_allocation_halves_it()
    {
        var rig = new Rig(DesignKind.Mainline);
        var pages = rig.AllocMany(1, 150);

        rig.FreeMany(0, pages.Take(50));
        Assert.Equal(50, rig.A.Pcp(0).FreeCount);
        rig.FreeMany(0, pages.Skip(50));
        Assert.Equal(3 << PageAlloc.PcpBatchScaleMax, rig.A.Pcp(0).FreeCount);

        rig.Alloc(0);
        Assert.Equal(48, rig.A.Pcp(0).FreeCount);
        rig.AssertAuditClean();
    }

    [Fact]
    public void Each_free_halves_alloc_factor()
    {
        var rig = new Rig(DesignKind.Mainline);
        var pages = rig.AllocMany(0, 100); // refills of 3, 6, 12, 24, 48, 96 pages raise alloc_factor to 5
        Assert.Equal(5, rig.A.Pcp(0).AllocFactor);

        int[] expected = [2, 1, 0, 0];
        for (var i = 0; i < expected.Length; i++)
        {
            rig.A.Free(0, pages[i], 0);
            Assert.Equal(expected[i], rig.A.Pcp(0).AllocFactor);
        }

        rig.AssertAuditClean();
    }

    [Fact]
    public void Reaching_high_bulk_frees_clamped_free_count_round_robin_from_list_tails_starting_with_the_list_just_freed_to()
    {
        var rig = new Rig(DesignKind.Mainline);
        var unmovable = rig.AllocMany(1, 20, Rig.Unmovable);
        var reclaimable = rig.AllocMany(1, 20, Rig.Reclaimable);
        var movable = rig.AllocMany(1, 40);
        Assert.All(unmovable, p => Assert.Equal(MigrateType.Unmovable, rig.BlockType(p)));
        Assert.All(reclaimable, p => Assert.Equal(MigrateType.Reclaimable, rig.BlockType(p)));
        Assert.All(movable, p => Assert.Equal(MigrateType.Movable, rig.BlockType(p)));

        rig.FreeMany(0, unmovable);
        rig.FreeMany(0, reclaimable);
        rig.FreeMany(0, movable.Take(39));
        Assert.Equal(79, rig.A.PcpCount(0));
        Assert.Equal(0, rig.A.Stats().BulkFrees);
        var nrFree = rig.Zone.NrFreePages;
        rig.Log.Clear();

        // The 80th page reaches high (high_min 80): free clamp(free_count 80, batch 3, high 80 - batch 3) = 77 pages,
        // in chunks of batch (ChunkedFreeTests has the chunks), each starting at the list just freed to.
        rig.A.Free(0, movable[39], 0);

        Assert.Equal(77, rig.A.Stats().BulkFreedPages);
        Assert.Equal(nrFree + 77, rig.Zone.NrFreePages);
        Assert.Equal(3, rig.A.PcpCount(0));
        Assert.Equal((77 + 2) / 3, rig.Log.Acquisitions(LockClass.Zone, LockSite.FreeBulk));

        // Movable (list 1, just freed to) went first and whole, then reclaimable (list 2), then the wrap to
        // unmovable (list 0), coldest first: only the three unmovable pages freed last are left.
        Assert.Empty(rig.PcpList(0, Pindex(MigrateType.Movable, 0)));
        Assert.Empty(rig.PcpList(0, Pindex(MigrateType.Reclaimable, 0)));
        Assert.Equal([rig.Rel(unmovable[19]), rig.Rel(unmovable[18]), rig.Rel(unmovable[17])], rig.PcpList(0, Pindex(MigrateType.Unmovable, 0)));
        Assert.All(unmovable.Take(17).Concat(reclaimable).Concat(movable), p => Assert.NotEqual(PageState.Pcp, rig.Page(p).State));
        rig.AssertAuditClean();
    }

    [Fact]
    public void An_order_1_to_3_free_after_another_high_order_free_frees_the_whole_pcp_once_free_count_is_large()
    {
        var rig = new Rig(DesignKind.Mainline);
        var small = rig.AllocMany(1, 50);
        var pairs = rig.AllocMany(1, 2, Rig.Movable, 1);
        rig.FreeMany(0, small);

        // The previous free was order 0: no free_high although free_count (50) >= batch + high_min / 2 (43).
        rig.A.Free(0, pairs[0], 1);
        Assert.Equal(52, rig.A.PcpCount(0));
        Assert.Equal(0, rig.A.Stats().BulkFrees);

        // Now the previous free was order 1: free_high frees min(count, batch << 5) = all 54 pages.
        rig.A.Free(0, pairs[1], 1);
        Assert.Equal(0, rig.A.PcpCount(0));
        Assert.Equal(54, rig.A.Stats().BulkFreedPages);
        Assert.Equal(80, rig.A.Pcp(0).High); // max(high - (batch << 5), high_min)
        rig.AssertAuditClean();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Under_zone_below_high_a_free_lowers_high_by_free_count_and_flushes_once_count_reaches_high_min(bool belowHigh)
    {
        var rig = new Rig(DesignKind.Mainline);

        // Refills of 3..96 pages raise CPU 0's high to 269; the drain leaves the PCP empty at that high.
        var pages = rig.AllocMany(0, 100);
        rig.A.DrainAllPages(0);
        Assert.Equal(269, rig.A.Pcp(0).High);
        if (belowHigh)
        {
            rig.Zone.SetFlag(ZoneFlags.BelowHigh);
        }

        rig.A.Free(0, pages[0], 0);
        Assert.Equal(belowHigh ? 269 - 3 : 269, rig.A.Pcp(0).High); // max(free_count, batch) = 3

        rig.FreeMany(0, pages.Skip(1).Take(78));
        Assert.Equal(79, rig.A.PcpCount(0));

        rig.A.Free(0, pages[79], 0);
        if (belowHigh)
        {
            // Flushed at max(count, high_min) = 80: clamp(free_count 80, 3, 77) pages; the zone is above high again.
            Assert.Equal(3, rig.A.PcpCount(0));
            Assert.Equal(80, rig.A.Pcp(0).High);
            Assert.False(rig.Zone.TestFlag(ZoneFlags.BelowHigh));
        }
        else
        {
            Assert.Equal(80, rig.A.PcpCount(0));
            Assert.Equal(269, rig.A.Pcp(0).High);
        }

        rig.AssertAuditClean();
    }

    [Fact]
    public void Under_zone_reclaim_active_the_pcp_flushes_at_four_batches_leaving_one()
    {
        var rig = new Rig(DesignKind.Mainline);
        var pages = rig.AllocMany(1, 21);
        rig.Zone.SetFlag(ZoneFlags.ReclaimActive);

        // Threshold min(batch << 2, high) = 12; each flush frees clamp(free_count, 3, 12 - 3) = 9 pages.
        int[] counts = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 3, 4, 5, 6, 7, 8, 9, 10, 11, 3];
        for (var i = 0; i < pages.Count; i++)
        {
            rig.A.Free(0, pages[i], 0);
            Assert.Equal(counts[i], rig.A.PcpCount(0));
        }

        Assert.Equal(80, rig.A.Pcp(0).High);
        Assert.Equal(2 * (9 / 3), rig.A.Stats().BulkFrees); // two flushes, each in chunks of batch
        rig.AssertAuditClean();
    }
}
