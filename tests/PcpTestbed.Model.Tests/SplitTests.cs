using static PcpTestbed.Model.Tests.TestZones;

namespace PcpTestbed.Model.Tests;

/// <summary>__rmqueue_smallest() and expand(): the smallest fitting chunk is split, upper halves go back.</summary>
public class SplitTests
{
    [Fact]
    public void An_order_0_request_from_a_lone_order_10_chunk_puts_each_upper_half_on_the_requested_types_list_at_its_order()
    {
        var zone = AllAllocated(Blocks(2, MigrateType.Unmovable));
        zone.FreePages(0, 2 * Block);
        Assert.Equal([0], zone.ListPfns(10, MigrateType.Unmovable));

        int pfn;
        using (zone.Locked())
        {
            pfn = zone.RmqueueSmallest(0, MigrateType.Unmovable);
            zone.PrepNewPage(pfn, 0, MigrateType.Unmovable);
        }

        Assert.Equal(0, pfn);
        for (var order = 0; order < PageAlloc.MaxPageOrder; order++)
        {
            // expand() halves the chunk from the top: the half of order k starts at pfn 2^k.
            Assert.Equal([1 << order], zone.ListPfns(order, MigrateType.Unmovable));
            Assert.Empty(zone.ListPfns(order, MigrateType.Movable));
            Assert.Equal(1, zone.NrFree(order));
        }

        Assert.Equal(0, zone.NrFree(PageAlloc.MaxPageOrder));
        Assert.Equal(2 * Block - 1, zone.NrFreePages);
        Assert.Equal(Block - 1, zone.Blocks[0].ZoneFree);
        Assert.Equal(Block, zone.Blocks[1].ZoneFree);
        AssertAuditClean(zone);
    }

    [Fact]
    public void The_smallest_order_that_fits_is_split_and_larger_chunks_stay_whole()
    {
        // Free chunks of orders 2 (pfn 4), 4 (pfn 16) and 6 (pfn 64) in one movable block.
        var zone = AllAllocated(MigrateType.Movable);
        zone.FreePages(4, 4);
        zone.FreePages(16, 16);
        zone.FreePages(64, 64);

        int pfn;
        using (zone.Locked())
        {
            pfn = zone.RmqueueSmallest(3, MigrateType.Movable);
            zone.PrepNewPage(pfn, 3, MigrateType.Movable);
        }

        Assert.Equal(16, pfn);
        Assert.Equal([24], zone.ListPfns(3, MigrateType.Movable));
        Assert.Equal([4], zone.ListPfns(2, MigrateType.Movable));
        Assert.Empty(zone.ListPfns(4, MigrateType.Movable));
        Assert.Equal([64], zone.ListPfns(6, MigrateType.Movable));
        Assert.Equal(4 + 8 + 64, zone.NrFreePages);
        AssertAuditClean(zone);
    }

    [Fact]
    public void An_exact_fit_is_taken_without_splitting()
    {
        var zone = AllAllocated(MigrateType.Movable);
        zone.FreePages(4, 4);
        zone.FreePages(64, 64);

        var pfn = zone.Alloc(2, MigrateType.Movable);

        Assert.Equal(4, pfn);
        Assert.Equal([64], zone.ListPfns(6, MigrateType.Movable));
        Assert.Equal(PageState.Allocated, zone.Pages[4].State);
        Assert.Equal(2, zone.Pages[4].Order);
        AssertAuditClean(zone);
    }

    [Fact]
    public void Another_types_free_chunks_are_not_used_by_rmqueue_smallest()
    {
        var zone = AllAllocated(MigrateType.Movable, MigrateType.Movable);
        zone.FreePages(0, 64);

        int pfn;
        using (zone.Locked())
        {
            pfn = zone.RmqueueSmallest(0, MigrateType.Unmovable);
        }

        Assert.Equal(-1, pfn);
        Assert.Equal(64, zone.NrFreePages);
        Assert.Equal([0], zone.ListPfns(6, MigrateType.Movable));
        AssertAuditClean(zone);
    }

    [Fact]
    public void A_cma_split_keeps_its_halves_on_cma_lists_and_in_the_cma_counter()
    {
        var zone = AllAllocated(MigrateType.Cma);
        zone.FreePages(0, Block);

        using (zone.Locked())
        {
            Assert.Equal(0, zone.RmqueueSmallest(2, MigrateType.Cma));
            zone.PrepNewPage(0, 2, MigrateType.Movable);
        }

        Assert.Equal(Block - 4, zone.NrFreeCmaPages);
        Assert.Equal(Block - 4, zone.NrFreePages);
        Assert.Equal(Block - 4, zone.FreePagesOfType(MigrateType.Cma));
        AssertAuditClean(zone);
    }
}
