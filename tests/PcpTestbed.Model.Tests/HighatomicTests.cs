using PcpTestbed.Model.Layout;
using static PcpTestbed.Model.Tests.TestZones;

namespace PcpTestbed.Model.Tests;

/// <summary>MIGRATE_HIGHATOMIC reserves: the cap, reserve_highatomic_pageblock(), unreserve_highatomic_pageblock(), rmqueue_buddy()'s use of them.</summary>
public class HighatomicTests
{
    /// <summary>128 blocks (256 MiB): the cap is ALIGN(65536 / 100, 512) = 1024 pages, two blocks.</summary>
    private const int SmallestTwoBlockCapZoneBlocks = 128;

    private static Zone ZoneWithBlocks(params (int Block, MigrateType Type)[] special)
    {
        var types = Blocks(SmallestTwoBlockCapZoneBlocks, MigrateType.Movable);
        foreach (var (block, type) in special)
        {
            types[block] = type;
        }

        return AllAllocated(types);
    }

    private static bool Reserve(Zone zone, int pfn, int order)
    {
        using var _ = zone.Locked();
        return zone.ReserveHighatomicPageblockLocked(pfn, order);
    }

    private static int Unreserve(Zone zone, MigrateType toMt)
    {
        using var _ = zone.Locked();
        return zone.UnreserveHighatomicPageblockLocked(toMt);
    }

    [Theory]
    [InlineData(262144, 3072)]   // 1 GiB: 2621 rounded up to a block
    [InlineData(65536, 1024)]    // 256 MiB: 655 -> 1024
    [InlineData(51200, 512)]     // 200 MiB: 1% is exactly one block, which is not "less than a block"
    [InlineData(51199, 0)]       // 1% is 511 pages: no reserve at all
    [InlineData(50688, 0)]       // 198 MiB
    [InlineData(16777216, 167936)] // 64 GiB: 167772 -> 328 blocks
    public void The_cap_is_one_percent_of_managed_pages_rounded_up_to_a_block_and_zero_below_one_block(long managed, long cap)
    {
        Assert.Equal(cap, Zone.ComputeHighatomicMaxPages(managed));
    }

    [Fact]
    public void A_built_1G_zone_caps_its_reserve_at_3072_pages()
    {
        var zone = ZoneBuilder.Build(ZoneSpec.Parse("1G"));

        Assert.Equal(3072, zone.HighatomicMaxPages);
        AssertAuditClean(zone);
    }

    [Fact]
    public void Reserving_converts_a_movable_block_and_moves_its_free_pages_to_the_highatomic_lists()
    {
        var zone = ZoneWithBlocks();
        zone.FreePages(5 * Block, 64);
        var pfn = zone.Alloc(1, MigrateType.Movable, AllocFlags.HighAtomic);
        Assert.Equal(5, pfn / Block);

        Assert.True(Reserve(zone, pfn, 1));

        Assert.Equal(MigrateType.HighAtomic, zone.BlockType(5));
        Assert.Equal(Block, zone.NrReservedHighatomic);
        Assert.Equal(62, zone.NrFreeHighatomic);
        Assert.Equal(62, zone.FreePagesOfType(MigrateType.HighAtomic));
        Assert.Equal(0, zone.FreePagesOfType(MigrateType.Movable));
        Assert.Equal(62, zone.NrFreePages);
        Assert.Equal(1, zone.Events.HighatomicReserves);
        AssertAuditClean(zone);
    }

    [Theory]
    [InlineData(MigrateType.Cma)]
    [InlineData(MigrateType.HighAtomic)]
    [InlineData(MigrateType.Isolate)]
    public void Only_a_mergeable_block_is_reserved(MigrateType blockType)
    {
        var zone = ZoneWithBlocks((5, blockType));
        var reservedBefore = zone.NrReservedHighatomic;
        zone.FreePages(5 * Block, 64);

        Assert.False(Reserve(zone, 5 * Block, 1));

        Assert.Equal(blockType, zone.BlockType(5));
        Assert.Equal(reservedBefore, zone.NrReservedHighatomic);
        Assert.Equal(64, zone.FreePagesOfType(blockType));
        AssertAuditClean(zone);
    }

    [Theory]
    [InlineData(MigrateType.Unmovable)]
    [InlineData(MigrateType.Reclaimable)]
    public void Unmovable_and_reclaimable_blocks_are_reserved_too(MigrateType blockType)
    {
        var zone = ZoneWithBlocks((5, blockType));

        Assert.True(Reserve(zone, 5 * Block, 0));

        Assert.Equal(MigrateType.HighAtomic, zone.BlockType(5));
        AssertAuditClean(zone);
    }

    [Fact]
    public void Reserving_stops_at_the_cap_and_the_check_under_the_lock_refuses()
    {
        var zone = ZoneWithBlocks();
        Assert.Equal(2 * Block, zone.HighatomicMaxPages);

        Assert.True(Reserve(zone, 5 * Block, 0));
        Assert.True(zone.HighatomicReserveMayGrow());
        Assert.True(Reserve(zone, 6 * Block, 0));

        Assert.False(zone.HighatomicReserveMayGrow());
        Assert.False(Reserve(zone, 7 * Block, 0));
        Assert.Equal(MigrateType.Movable, zone.BlockType(7));
        Assert.Equal(2 * Block, zone.NrReservedHighatomic);
        AssertAuditClean(zone);
    }

    [Fact]
    public void Under_debug_vm_a_reservation_past_the_cap_is_reported_under_the_highatomic_rule_at_the_reservation()
    {
        var zone = ZoneWithBlocks();
        var reports = new List<string>();
        zone.DebugVm = new Audit.VmWarnings { FirstReport = reports.Add };
        Assert.True(Reserve(zone, 5 * Block, 0));
        Assert.True(Reserve(zone, 6 * Block, 0));
        Assert.Empty(reports);

        // Both CPUs passed the racy check at 512; the second converts without the recheck under zone->lock (the injected bug's path).
        using (zone.Locked())
        {
            Assert.True(zone.ReserveHighatomicPageblockLocked(7 * Block, 0, recheckCap: false));
        }

        Assert.Equal("[§7.6 highatomic] reserve_highatomic_pageblock() took nr_reserved_highatomic to 1536, over the cap 1024", Assert.Single(reports));
        Assert.Equal(3, zone.DebugVm.Checks);
    }

    [Fact]
    public void A_zone_below_one_block_of_cap_never_reserves()
    {
        var zone = AllAllocated(Blocks(8, MigrateType.Movable));

        Assert.False(zone.HighatomicReserveMayGrow());
        Assert.False(Reserve(zone, 0, 0));
        Assert.Equal(MigrateType.Movable, zone.BlockType(0));
        AssertAuditClean(zone);
    }

    [Fact]
    public void Reserving_for_a_chunk_of_pageblock_order_or_more_relabels_its_blocks_and_counts_its_pages()
    {
        var zone = AllAllocated(Blocks(512, MigrateType.Movable)); // 1 GiB: cap 3072
        zone.FreePages(4 * Block, Block);
        zone.FreePages(6 * Block, 2 * Block);
        var block = zone.Alloc(PageAlloc.PageblockOrder, MigrateType.Movable, AllocFlags.HighAtomic);
        var pair = zone.Alloc(PageAlloc.MaxPageOrder, MigrateType.Movable, AllocFlags.HighAtomic);

        Assert.True(Reserve(zone, block, PageAlloc.PageblockOrder));
        Assert.Equal(Block, zone.NrReservedHighatomic);
        Assert.True(Reserve(zone, pair, PageAlloc.MaxPageOrder));

        Assert.Equal(3 * Block, zone.NrReservedHighatomic);
        Assert.Equal(MigrateType.HighAtomic, zone.BlockType(4));
        Assert.Equal(MigrateType.HighAtomic, zone.BlockType(6));
        Assert.Equal(MigrateType.HighAtomic, zone.BlockType(7));
        AssertAuditClean(zone);
    }

    [Fact]
    public void An_order_10_reservation_one_block_below_the_cap_counts_1024_pages_and_passes_the_cap_as_in_the_kernel()
    {
        // reserve_highatomic_pageblock() checks nr_reserved_highatomic >= max before adding 1 << order.
        var zone = AllAllocated(Blocks(512, MigrateType.Movable));
        for (var b = 0; b < 5; b++)
        {
            Assert.True(Reserve(zone, (100 + b) * Block, 0));
        }

        zone.FreePages(6 * Block, 2 * Block);
        var pair = zone.Alloc(PageAlloc.MaxPageOrder, MigrateType.Movable, AllocFlags.HighAtomic);

        Assert.True(Reserve(zone, pair, PageAlloc.MaxPageOrder));

        Assert.Equal(3072 + Block, zone.NrReservedHighatomic);
        Assert.False(zone.HighatomicReserveMayGrow());
        // No audit here: the auditor rejects this kernel state (the skipped test below).
    }

    [Fact]
    public void The_auditor_accepts_the_overshoot_the_kernel_allows_after_an_order_10_reservation()
    {
        var zone = AllAllocated(Blocks(512, MigrateType.Movable));
        for (var b = 0; b < 5; b++)
        {
            Assert.True(Reserve(zone, (100 + b) * Block, 0));
        }

        zone.FreePages(6 * Block, 2 * Block);
        var pair = zone.Alloc(PageAlloc.MaxPageOrder, MigrateType.Movable, AllocFlags.HighAtomic);
        Assert.True(Reserve(zone, pair, PageAlloc.MaxPageOrder));

        AssertAuditClean(zone);
    }

    [Theory]
    [InlineData(1, false, false)]
    [InlineData(1, true, true)]
    [InlineData(2, false, true)]
    [InlineData(0, true, true)]
    public void Unreserving_keeps_the_last_block_unless_forced(int reservedBlocks, bool force, bool mayUnreserve)
    {
        var zone = ZoneWithBlocks(Enumerable.Range(5, reservedBlocks).Select(b => (b, MigrateType.HighAtomic)).ToArray());

        Assert.Equal(mayUnreserve, zone.HighatomicMayUnreserve(force));
        AssertAuditClean(zone);
    }

    [Fact]
    public void Unreserving_relabels_a_block_to_the_requested_type_and_moves_its_free_pages_there()
    {
        var zone = ZoneWithBlocks((5, MigrateType.HighAtomic), (6, MigrateType.HighAtomic));
        zone.FreePages(5 * Block + 10, 10);
        Assert.Equal(10, zone.NrFreeHighatomic);

        var moved = Unreserve(zone, MigrateType.Unmovable);

        Assert.Equal(10, moved);
        Assert.Equal(MigrateType.Unmovable, zone.BlockType(5));
        Assert.Equal(MigrateType.HighAtomic, zone.BlockType(6));
        Assert.Equal(Block, zone.NrReservedHighatomic);
        Assert.Equal(0, zone.NrFreeHighatomic);
        Assert.Equal(10, zone.FreePagesOfType(MigrateType.Unmovable));
        Assert.Equal(10, zone.NrFreePages);
        Assert.Equal(1, zone.Events.HighatomicUnreserves);
        AssertAuditClean(zone);
    }

    [Fact]
    public void Unreserving_releases_one_block_per_call()
    {
        var zone = ZoneWithBlocks((5, MigrateType.HighAtomic), (6, MigrateType.HighAtomic));
        zone.FreePages(5 * Block, 8);
        zone.FreePages(6 * Block, 8);

        Unreserve(zone, MigrateType.Movable);

        Assert.Equal(1, new[] { 5, 6 }.Count(b => zone.BlockType(b) == MigrateType.HighAtomic));
        Assert.Equal(Block, zone.NrReservedHighatomic);
        Assert.Equal(8, zone.NrFreeHighatomic);
        AssertAuditClean(zone);
    }

    [Theory]
    [InlineData(5, 2, 6)] // block 5 has an order-5 chunk, block 6 an order-2 one: block 6 goes
    [InlineData(0, 2, 5)]
    public void Unreserving_takes_the_block_of_the_lowest_order_free_highatomic_chunk(int orderIn5, int orderIn6, int released)
    {
        var zone = ZoneWithBlocks((5, MigrateType.HighAtomic), (6, MigrateType.HighAtomic));
        zone.FreePages(5 * Block + (1 << orderIn5), 1 << orderIn5);
        zone.FreePages(6 * Block + (1 << orderIn6), 1 << orderIn6);

        Unreserve(zone, MigrateType.Movable);

        Assert.Equal(MigrateType.Movable, zone.BlockType(released));
        Assert.Equal(MigrateType.HighAtomic, zone.BlockType(released == 5 ? 6 : 5));
        AssertAuditClean(zone);
    }

    [Fact]
    public void Unreserving_a_free_order_10_highatomic_chunk_releases_both_its_blocks()
    {
        var zone = ZoneWithBlocks((6, MigrateType.HighAtomic), (7, MigrateType.HighAtomic));
        zone.FreePages(6 * Block, 2 * Block);
        Assert.Equal([6 * Block], zone.ListPfns(PageAlloc.MaxPageOrder, MigrateType.HighAtomic));

        Assert.True(Unreserve(zone, MigrateType.Reclaimable) > 0);

        Assert.Equal(MigrateType.Reclaimable, zone.BlockType(6));
        Assert.Equal(MigrateType.Reclaimable, zone.BlockType(7));
        Assert.Equal(0, zone.NrReservedHighatomic);
        Assert.Equal([6 * Block], zone.ListPfns(PageAlloc.MaxPageOrder, MigrateType.Reclaimable));
        AssertAuditClean(zone);
    }

    [Fact]
    public void Unreserving_a_wholly_free_highatomic_block_relabels_its_order_9_chunk()
    {
        var zone = ZoneWithBlocks((6, MigrateType.HighAtomic), (9, MigrateType.HighAtomic));
        zone.FreePages(6 * Block, Block); // block 7 stays allocated: an order-9 chunk

        Assert.True(Unreserve(zone, MigrateType.Movable) > 0);

        Assert.Equal(MigrateType.Movable, zone.BlockType(6));
        Assert.Equal([6 * Block], zone.ListPfns(PageAlloc.PageblockOrder, MigrateType.Movable));
        Assert.Equal(Block, zone.NrReservedHighatomic);
        AssertAuditClean(zone);
    }

    [Fact]
    public void Unreserving_a_wholly_free_highatomic_block_beside_a_free_movable_block_leaves_the_zone_audit_clean()
    {
        // Block 6 (HIGHATOMIC) and block 7 (MOVABLE) are both wholly free: they cannot merge while their types differ.
        var zone = ZoneWithBlocks((6, MigrateType.HighAtomic), (9, MigrateType.HighAtomic));
        zone.FreePages(6 * Block, 2 * Block);
        Assert.Equal([6 * Block], zone.ListPfns(PageAlloc.PageblockOrder, MigrateType.HighAtomic));
        Assert.Equal([7 * Block], zone.ListPfns(PageAlloc.PageblockOrder, MigrateType.Movable));

        Unreserve(zone, MigrateType.Movable);

        // Block 6 is MOVABLE now, like its free buddy: a buddy allocator holds the pair as one order-10 chunk.
        Assert.Equal(MigrateType.Movable, zone.BlockType(6));
        AssertAuditClean(zone);
    }

    [Fact]
    public void Unreserving_with_no_free_highatomic_page_changes_nothing()
    {
        var zone = ZoneWithBlocks((5, MigrateType.HighAtomic), (6, MigrateType.HighAtomic));

        Assert.Equal(0, Unreserve(zone, MigrateType.Movable));

        Assert.Equal(2 * Block, zone.NrReservedHighatomic);
        Assert.Equal(MigrateType.HighAtomic, zone.BlockType(5));
        Assert.Equal(0, zone.Events.HighatomicUnreserves);
        AssertAuditClean(zone);
    }

    [Fact]
    public void Alloc_highatomic_takes_from_the_highatomic_lists_before_the_requested_types()
    {
        var zone = ZoneWithBlocks((5, MigrateType.HighAtomic));
        zone.FreePages(5 * Block, 4);
        zone.FreePages(0, 4);

        var pfn = zone.Alloc(1, MigrateType.Movable, AllocFlags.HighAtomic);

        Assert.Equal(MigrateType.HighAtomic, zone.GetPageblockMigratetype(pfn));
        Assert.Equal(2, zone.NrFreeHighatomic);
        AssertAuditClean(zone);
    }

    [Theory]
    [InlineData(AllocFlags.WmarkMin, false)]
    [InlineData(AllocFlags.MinReserve, false)]
    [InlineData(AllocFlags.NonBlock, true)]
    [InlineData(AllocFlags.Oom, true)]
    public void When_rmqueue_fails_only_oom_and_non_blocking_requests_fall_back_to_highatomic(AllocFlags flags, bool served)
    {
        var zone = ZoneWithBlocks((5, MigrateType.HighAtomic));
        zone.FreePages(5 * Block, 4);

        var pfn = zone.Alloc(0, MigrateType.Movable, flags);

        Assert.Equal(served, pfn >= 0);
        Assert.Equal(served ? 3 : 4, zone.NrFreeHighatomic);
        AssertAuditClean(zone);
    }

    [Fact]
    public void A_non_blocking_request_uses_its_own_type_before_highatomic()
    {
        var zone = ZoneWithBlocks((5, MigrateType.HighAtomic));
        zone.FreePages(5 * Block, 4);
        zone.FreePages(0, 4);

        var pfn = zone.Alloc(0, MigrateType.Movable, AllocFlags.NonBlock | AllocFlags.MinReserve);

        Assert.Equal(MigrateType.Movable, zone.GetPageblockMigratetype(pfn));
        Assert.Equal(4, zone.NrFreeHighatomic);
        AssertAuditClean(zone);
    }
}
