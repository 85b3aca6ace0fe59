using PcpTestbed.Model.Layout;
using static PcpTestbed.Model.Tests.TestZones;

namespace PcpTestbed.Model.Tests;

/// <summary>__free_one_page(): merging with free buddies, its limits, and where the merged chunk goes.</summary>
public class MergeTests
{
    [Fact]
    public void Freeing_the_only_allocated_page_merges_the_block_back_into_one_chunk()
    {
        var zone = ZoneBuilder.Build(ZoneSpec.Parse("2M"));
        var pfn = zone.Alloc(0, MigrateType.Movable);
        Assert.Equal(9, Enumerable.Range(0, 9).Count(o => zone.NrFree(o) == 1));

        zone.Free(pfn, 0);

        Assert.Equal([0], zone.ListPfns(PageAlloc.PageblockOrder, MigrateType.Movable));
        for (var order = 0; order < PageAlloc.PageblockOrder; order++)
        {
            Assert.Equal(0, zone.NrFree(order));
        }

        Assert.Equal(Block, zone.NrFreePages);
        AssertAuditClean(zone);
    }

    [Fact]
    public void A_chunk_whose_buddy_is_allocated_stays_at_its_order_until_the_buddy_is_freed()
    {
        var zone = AllAllocated(MigrateType.Movable);

        zone.FreePages(0, 1);
        zone.FreePages(2, 2);

        Assert.Equal([0], zone.ListPfns(0, MigrateType.Movable));
        Assert.Equal([2], zone.ListPfns(1, MigrateType.Movable));
        AssertAuditClean(zone);

        zone.FreePages(1, 1);

        Assert.Equal([0], zone.ListPfns(2, MigrateType.Movable));
        Assert.Empty(zone.ListPfns(0, MigrateType.Movable));
        Assert.Empty(zone.ListPfns(1, MigrateType.Movable));
        Assert.Equal(4, zone.NrFreePages);
        AssertAuditClean(zone);
    }

    [Fact]
    public void Merging_stops_at_max_page_order_even_when_the_next_buddy_is_free()
    {
        var zone = AllAllocated(Blocks(4, MigrateType.Movable));

        zone.FreePages(0, 4 * Block);

        Assert.Equal([0, 2 * Block], zone.ListPfns(PageAlloc.MaxPageOrder, MigrateType.Movable).Order());
        Assert.Equal(2, zone.NrFree(PageAlloc.MaxPageOrder));
        Assert.Equal(0, zone.NrFree(PageAlloc.PageblockOrder));
        AssertAuditClean(zone);
    }

    [Theory]
    [InlineData(MigrateType.Unmovable, MigrateType.Movable)]
    [InlineData(MigrateType.Movable, MigrateType.Unmovable)]
    [InlineData(MigrateType.Reclaimable, MigrateType.Movable)]
    [InlineData(MigrateType.Unmovable, MigrateType.Reclaimable)]
    public void Mergeable_neighbour_blocks_of_different_types_merge_and_the_buddy_block_takes_the_freed_blocks_type(
        MigrateType firstFreed, MigrateType secondFreed)
    {
        var zone = AllAllocated(firstFreed, secondFreed);
        zone.FreePages(0, Block);
        Assert.Equal([0], zone.ListPfns(PageAlloc.PageblockOrder, firstFreed));

        zone.FreePages(Block, Block);

        Assert.Equal([0], zone.ListPfns(PageAlloc.MaxPageOrder, secondFreed));
        Assert.Equal(0, zone.NrFree(PageAlloc.PageblockOrder));
        Assert.Equal(secondFreed, zone.BlockType(0));
        Assert.Equal(secondFreed, zone.BlockType(1));
        Assert.Equal(2 * Block, zone.NrFreePages);
        AssertAuditClean(zone);
    }

    [Theory]
    [InlineData(MigrateType.Cma, MigrateType.Movable)]
    [InlineData(MigrateType.Movable, MigrateType.Cma)]
    [InlineData(MigrateType.Isolate, MigrateType.Movable)]
    [InlineData(MigrateType.Unmovable, MigrateType.Isolate)]
    [InlineData(MigrateType.Cma, MigrateType.Isolate)]
    [InlineData(MigrateType.HighAtomic, MigrateType.Movable)]
    [InlineData(MigrateType.Reclaimable, MigrateType.HighAtomic)]
    [InlineData(MigrateType.HighAtomic, MigrateType.Cma)]
    public void A_block_of_a_type_without_fallbacks_never_merges_with_a_neighbour_of_another_type(MigrateType first, MigrateType second)
    {
        // 128 blocks so that the highatomic cap (1% of the zone) allows one HIGHATOMIC block.
        var types = Blocks(128, MigrateType.Movable);
        types[0] = first;
        types[1] = second;
        var zone = AllAllocated(types);

        zone.FreePages(0, 2 * Block);

        Assert.Equal(0, zone.NrFree(PageAlloc.MaxPageOrder));
        Assert.Equal([0], zone.ListPfns(PageAlloc.PageblockOrder, first));
        Assert.Equal([Block], zone.ListPfns(PageAlloc.PageblockOrder, second));
        Assert.Equal(first, zone.BlockType(0));
        Assert.Equal(second, zone.BlockType(1));
        AssertAuditClean(zone);
    }

    [Theory]
    [InlineData(MigrateType.Cma)]
    [InlineData(MigrateType.Isolate)]
    public void Two_neighbour_blocks_of_the_same_unmergeable_type_do_merge(MigrateType mt)
    {
        var zone = AllAllocated(mt, mt);

        zone.FreePages(0, 2 * Block);

        Assert.Equal([0], zone.ListPfns(PageAlloc.MaxPageOrder, mt));
        Assert.Equal(mt == MigrateType.Isolate ? 0 : 2 * Block, zone.NrFreePages);
        AssertAuditClean(zone);
    }

    [Fact]
    public void A_chunk_whose_higher_order_buddy_is_free_goes_to_the_tail_of_its_list()
    {
        var zone = AllAllocated(MigrateType.Movable);
        zone.FreePages(100, 1); // buddy 101 and the pair 102-103 stay allocated: an ordinary head insert
        zone.FreePages(2, 2);   // a free order-1 chunk at 2: the buddy of the pair 0-1

        zone.FreePages(0, 1);   // buddy 1 is allocated, but once it is freed 0-3 merges up: likely soon

        Assert.Equal([100, 0], zone.ListPfns(0, MigrateType.Movable));
        AssertAuditClean(zone);
    }

    [Fact]
    public void A_chunk_whose_higher_order_buddy_is_allocated_goes_to_the_head_of_its_list()
    {
        var zone = AllAllocated(MigrateType.Movable);
        zone.FreePages(100, 1);

        zone.FreePages(200, 1);

        Assert.Equal([200, 100], zone.ListPfns(0, MigrateType.Movable));
        AssertAuditClean(zone);
    }

    [Fact]
    public void Fpi_to_tail_puts_the_chunk_at_the_tail_whatever_its_buddies()
    {
        var zone = AllAllocated(MigrateType.Movable);
        zone.FreePages(100, 1);

        using (zone.Locked())
        {
            zone.FreeOnePageLocked(zone.ValidateFree(zone.AbsolutePfn(200), 0), 0, FpiFlags.ToTail);
        }

        Assert.Equal([100, 200], zone.ListPfns(0, MigrateType.Movable));
        AssertAuditClean(zone);
    }

    [Fact]
    public void The_last_block_of_a_zone_with_an_odd_number_of_blocks_never_merges_its_buddy_lies_outside()
    {
        var zone = ZoneBuilder.Build(ZoneSpec.Parse("6M"));

        Assert.Equal([0], zone.ListPfns(PageAlloc.MaxPageOrder, MigrateType.Movable));
        Assert.Equal([2 * Block], zone.ListPfns(PageAlloc.PageblockOrder, MigrateType.Movable));

        var pfn = zone.Alloc(PageAlloc.PageblockOrder, MigrateType.Movable);
        Assert.Equal(2 * Block, pfn);
        zone.Free(pfn, PageAlloc.PageblockOrder);

        Assert.Equal([2 * Block], zone.ListPfns(PageAlloc.PageblockOrder, MigrateType.Movable));
        Assert.Equal(1, zone.NrFree(PageAlloc.MaxPageOrder));
        AssertAuditClean(zone);
    }

    [Fact]
    public void An_order_10_chunk_is_freed_block_by_block_each_with_its_own_blocks_type()
    {
        // split_large_buddy(): a CMA and a MOVABLE block under one allocated order-10 chunk come back as two order-9 chunks.
        var zone = AllAllocated(MigrateType.Cma, MigrateType.Movable);
        using (zone.Locked())
        {
            for (var p = 0; p < 2 * Block; p++)
            {
                zone.Pages[p] = default;
            }

            // As a chunk taken off a free list is, so that prep_new_page()'s checks pass.
            zone.Pages[0] = new Page { State = PageState.InFlight, Order = PageAlloc.MaxPageOrder };
            zone.PrepNewPage(0, PageAlloc.MaxPageOrder, MigrateType.Movable);
        }

        zone.Free(0, PageAlloc.MaxPageOrder);

        Assert.Equal([0], zone.ListPfns(PageAlloc.PageblockOrder, MigrateType.Cma));
        Assert.Equal([Block], zone.ListPfns(PageAlloc.PageblockOrder, MigrateType.Movable));
        Assert.Equal(Block, zone.NrFreeCmaPages);
        AssertAuditClean(zone);
    }
}
