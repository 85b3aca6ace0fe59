using static PcpTestbed.Model.Tests.TestZones;

namespace PcpTestbed.Model.Tests;

/// <summary>Fallbacks in __rmqueue(): the fallback table, claiming a block versus stealing pages, NOFRAGMENT, modes.</summary>
public class FallbackTests
{
    private const int HalfBlock = Block / 2;

    private static int Rmqueue(Zone zone, int order, MigrateType mt, AllocFlags flags, ref RmqueueMode mode)
    {
        using var _ = zone.Locked();
        var pfn = zone.Rmqueue(order, mt, flags, ref mode);
        if (pfn >= 0)
        {
            zone.PrepNewPage(pfn, order, mt);
        }

        return pfn;
    }

    private static int Rmqueue(Zone zone, int order, MigrateType mt, AllocFlags flags = AllocFlags.WmarkLow)
    {
        var mode = RmqueueMode.Normal;
        return Rmqueue(zone, order, mt, flags, ref mode);
    }

    /// <summary>Frees <paramref name="count"/> pages at the top of a block (pfns block end - count .. end - 1).</summary>
    private static void FreeTopOfBlock(Zone zone, int block, int count) => zone.FreePages((block + 1) * Block - count, count);

    private static void Retag(Zone zone, int pfn, int count, MigrateType tag)
    {
        for (var p = pfn; p < pfn + count; p++)
        {
            zone.Pages[p].Tag = (byte)tag;
        }
    }

    [Fact]
    public void The_fallback_table_is_the_kernels()
    {
        Assert.Equal(MigrateType.Reclaimable, MigrateTypes.Fallback(MigrateType.Unmovable, 0));
        Assert.Equal(MigrateType.Movable, MigrateTypes.Fallback(MigrateType.Unmovable, 1));
        Assert.Equal(MigrateType.Reclaimable, MigrateTypes.Fallback(MigrateType.Movable, 0));
        Assert.Equal(MigrateType.Unmovable, MigrateTypes.Fallback(MigrateType.Movable, 1));
        Assert.Equal(MigrateType.Unmovable, MigrateTypes.Fallback(MigrateType.Reclaimable, 0));
        Assert.Equal(MigrateType.Movable, MigrateTypes.Fallback(MigrateType.Reclaimable, 1));
    }

    [Theory]
    [InlineData(MigrateType.HighAtomic)]
    [InlineData(MigrateType.Cma)]
    [InlineData(MigrateType.Isolate)]
    public void Types_without_pcp_lists_have_no_fallbacks(MigrateType mt)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MigrateTypes.Fallback(mt, 0));
    }

    [Theory]
    [InlineData(MigrateType.Unmovable, MigrateType.Reclaimable)]
    [InlineData(MigrateType.Movable, MigrateType.Reclaimable)]
    [InlineData(MigrateType.Reclaimable, MigrateType.Unmovable)]
    public void The_first_fallback_in_table_order_that_has_a_chunk_is_used(MigrateType request, MigrateType expected)
    {
        // One block of each type, each with a free order-5 chunk; too few free pages to claim a block.
        var zone = AllAllocated(MigrateType.Unmovable, MigrateType.Movable, MigrateType.Reclaimable, MigrateType.Movable);
        zone.FreePages(32, 32);
        zone.FreePages(Block + 32, 32);
        zone.FreePages(2 * Block + 32, 32);
        using (zone.Locked())
        {
            // Empty the requested type's own lists first.
            while (zone.RmqueueSmallest(0, request) is var p && p >= 0)
            {
                zone.PrepNewPage(p, 0, request);
            }
        }

        var pfn = Rmqueue(zone, 0, request);

        Assert.Equal(expected, zone.GetPageblockMigratetype(pfn));
        Assert.Equal(1, zone.Events.Steals);
        AssertAuditClean(zone);
    }

    [Theory]
    [InlineData(MigrateType.Unmovable, 0)]
    [InlineData(MigrateType.Movable, 0)]
    [InlineData(MigrateType.Reclaimable, 3)]
    public void A_free_fallback_chunk_of_pageblock_order_is_claimed_whole_whatever_the_request(MigrateType request, int order)
    {
        var other = request == MigrateType.Unmovable ? MigrateType.Movable : MigrateType.Unmovable;
        var zone = AllAllocated(other, other);
        zone.FreePages(Block, Block);

        var pfn = Rmqueue(zone, order, request);

        Assert.Equal(Block, pfn);
        Assert.Equal(request, zone.BlockType(1));
        Assert.Equal(other, zone.BlockType(0));
        Assert.Equal(Block - (1 << order), zone.FreePagesOfType(request));
        Assert.Equal(0, zone.FreePagesOfType(other));
        Assert.Equal(1, zone.Events.Claims);
        AssertAuditClean(zone);
    }

    [Fact]
    public void A_block_with_exactly_half_its_pages_free_is_claimed_for_an_unmovable_request()
    {
        var zone = AllAllocated(MigrateType.Movable, MigrateType.Movable);
        FreeTopOfBlock(zone, 1, HalfBlock); // one order-8 chunk; the allocated half is movable

        var pfn = Rmqueue(zone, 0, MigrateType.Unmovable);

        Assert.Equal(MigrateType.Unmovable, zone.BlockType(1));
        Assert.Equal(1, zone.Events.Claims);
        Assert.Equal(0, zone.Events.Steals);
        Assert.InRange(pfn, Block + HalfBlock, 2 * Block - 1);
        Assert.Equal(HalfBlock - 1, zone.FreePagesOfType(MigrateType.Unmovable));
        Assert.Equal(0, zone.FreePagesOfType(MigrateType.Movable));
        AssertAuditClean(zone);
    }

    [Fact]
    public void A_block_with_one_page_less_than_half_free_is_not_claimed_a_page_is_stolen_and_the_block_keeps_its_type()
    {
        var zone = AllAllocated(MigrateType.Movable, MigrateType.Movable);
        FreeTopOfBlock(zone, 1, HalfBlock - 1);

        var pfn = Rmqueue(zone, 0, MigrateType.Unmovable);

        Assert.Equal(MigrateType.Movable, zone.BlockType(1));
        Assert.Equal(0, zone.Events.Claims);
        Assert.Equal(1, zone.Events.Steals);
        Assert.Equal(Block + HalfBlock + 1, pfn); // the smallest fallback chunk: the order-0 one
        Assert.Equal(HalfBlock - 2, zone.FreePagesOfType(MigrateType.Movable));
        AssertAuditClean(zone);
    }

    [Theory]
    [InlineData(128, true)]  // 128 free + (512 - 128 free - 256 movable) = 256
    [InlineData(127, false)] // one more movable page: 255
    public void For_an_unmovable_request_the_non_movable_pages_in_use_of_a_movable_block_count_as_alike(int unmovableInUse, bool claimed)
    {
        var zone = AllAllocated(MigrateType.Movable, MigrateType.Movable);
        FreeTopOfBlock(zone, 1, 128);
        Retag(zone, Block, unmovableInUse, MigrateType.Unmovable);

        Rmqueue(zone, 0, MigrateType.Unmovable);

        Assert.Equal(claimed ? MigrateType.Unmovable : MigrateType.Movable, zone.BlockType(1));
        Assert.Equal(claimed ? 1 : 0, zone.Events.Claims);
        AssertAuditClean(zone);
    }

    [Theory]
    [InlineData(128, true)]
    [InlineData(127, false)]
    public void For_a_movable_request_the_movable_pages_in_use_of_another_block_count_as_alike(int movableInUse, bool claimed)
    {
        var zone = AllAllocated(MigrateType.Unmovable, MigrateType.Unmovable);
        FreeTopOfBlock(zone, 1, 128);
        Retag(zone, Block, movableInUse, MigrateType.Movable);

        var pfn = Rmqueue(zone, 4, MigrateType.Movable); // order 4: movable requests may claim from here up

        Assert.Equal(claimed ? MigrateType.Movable : MigrateType.Unmovable, zone.BlockType(1));
        Assert.Equal(claimed ? 1 : 0, zone.Events.Claims);
        Assert.Equal(claimed ? 0 : 1, zone.Events.Steals);
        Assert.InRange(pfn, Block + 384, 2 * Block - 16);
        AssertAuditClean(zone);
    }

    [Theory]
    [InlineData(MigrateType.Reclaimable, MigrateType.Unmovable)]
    [InlineData(MigrateType.Unmovable, MigrateType.Reclaimable)]
    public void Between_unmovable_and_reclaimable_no_page_in_use_counts_as_alike(MigrateType request, MigrateType blockType)
    {
        var zone = AllAllocated(blockType, blockType);
        FreeTopOfBlock(zone, 1, HalfBlock - 1);
        Retag(zone, Block, HalfBlock + 1, request); // even pages of the requested type do not count

        Rmqueue(zone, 0, request);

        Assert.Equal(blockType, zone.BlockType(1));
        Assert.Equal(0, zone.Events.Claims);
        Assert.Equal(1, zone.Events.Steals);
        AssertAuditClean(zone);
    }

    [Theory]
    [InlineData(9, MigrateType.Movable, true)]
    [InlineData(10, MigrateType.Movable, true)]
    [InlineData(4, MigrateType.Movable, true)]
    [InlineData(3, MigrateType.Movable, false)]
    [InlineData(0, MigrateType.Movable, false)]
    [InlineData(0, MigrateType.Unmovable, true)]
    [InlineData(0, MigrateType.Reclaimable, true)]
    [InlineData(3, MigrateType.Reclaimable, true)]
    public void Should_try_claim_block_from_order_4_up_or_for_unmovable_and_reclaimable(int order, MigrateType mt, bool expected)
    {
        Assert.Equal(expected, Zone.ShouldTryClaimBlock(order, mt));
    }

    [Fact]
    public void A_small_movable_request_steals_from_a_half_free_block_of_small_chunks_without_changing_its_type()
    {
        // Free the second half of every 16 pages: 32 order-3 chunks, 256 free pages.
        var zone = AllAllocated(MigrateType.Unmovable, MigrateType.Unmovable);
        for (var p = Block; p < 2 * Block; p += 16)
        {
            zone.FreePages(p + 8, 8);
        }

        var pfn = Rmqueue(zone, 0, MigrateType.Movable);

        Assert.Equal(MigrateType.Unmovable, zone.BlockType(1));
        Assert.Equal(0, zone.Events.Claims);
        Assert.Equal(1, zone.Events.Steals);
        Assert.Equal(HalfBlock - 1, zone.FreePagesOfType(MigrateType.Unmovable)); // the split remainder stays unmovable
        Assert.Equal(8, pfn & 15);
        AssertAuditClean(zone);
    }

    [Fact]
    public void An_unmovable_request_claims_the_same_half_free_block_of_small_chunks()
    {
        var zone = AllAllocated(MigrateType.Movable, MigrateType.Movable);
        for (var p = Block; p < 2 * Block; p += 16)
        {
            zone.FreePages(p + 8, 8);
        }

        Rmqueue(zone, 0, MigrateType.Unmovable);

        Assert.Equal(MigrateType.Unmovable, zone.BlockType(1));
        Assert.Equal(1, zone.Events.Claims);
        Assert.Equal(HalfBlock - 1, zone.FreePagesOfType(MigrateType.Unmovable));
        Assert.Equal(0, zone.FreePagesOfType(MigrateType.Movable));
        AssertAuditClean(zone);
    }

    [Fact]
    public void Nofragment_takes_no_page_from_a_fallback_block_that_is_not_wholly_free()
    {
        var zone = AllAllocated(MigrateType.Movable, MigrateType.Movable);
        FreeTopOfBlock(zone, 1, Block - 1);

        var pfn = Rmqueue(zone, 0, MigrateType.Unmovable, AllocFlags.NoFragment);

        Assert.Equal(-1, pfn);
        Assert.Equal(MigrateType.Movable, zone.BlockType(1));
        Assert.Equal(Block - 1, zone.FreePagesOfType(MigrateType.Movable));
        Assert.Equal(0, zone.Events.Claims + zone.Events.Steals);
        AssertAuditClean(zone);
    }

    [Fact]
    public void Nofragment_claims_a_wholly_free_fallback_block()
    {
        var zone = AllAllocated(MigrateType.Movable, MigrateType.Movable);
        FreeTopOfBlock(zone, 1, Block);

        var pfn = Rmqueue(zone, 0, MigrateType.Unmovable, AllocFlags.NoFragment);

        Assert.Equal(Block, pfn);
        Assert.Equal(MigrateType.Unmovable, zone.BlockType(1));
        Assert.Equal(1, zone.Events.Claims);
        AssertAuditClean(zone);
    }

    [Fact]
    public void A_successful_claim_returns_to_normal_mode()
    {
        var zone = AllAllocated(MigrateType.Movable, MigrateType.Movable);
        FreeTopOfBlock(zone, 1, Block);
        var mode = RmqueueMode.Claim;

        Rmqueue(zone, 0, MigrateType.Unmovable, AllocFlags.WmarkLow, ref mode);

        Assert.Equal(RmqueueMode.Normal, mode);
        Assert.Equal(1, zone.Events.Claims);
        AssertAuditClean(zone);
    }

    [Fact]
    public void A_steal_is_recorded_as_steal_mode_and_steal_mode_skips_claiming_on_the_next_call()
    {
        var zone = AllAllocated(MigrateType.Movable, MigrateType.Movable, MigrateType.Movable, MigrateType.Movable);
        zone.FreePages(0, 1);                // stolen first: no claim possible from a single page
        FreeTopOfBlock(zone, 3, Block);      // a wholly free block that normal mode would claim
        var mode = RmqueueMode.Normal;

        var first = Rmqueue(zone, 0, MigrateType.Unmovable, AllocFlags.WmarkLow, ref mode);
        Assert.Equal(MigrateType.Unmovable, zone.BlockType(3)); // the first call claims the free block...
        Assert.Equal(RmqueueMode.Normal, mode);
        Assert.InRange(first, 3 * Block, 4 * Block - 1);

        // ...so use a fresh zone to see the steal, then stay in steal mode.
        zone = AllAllocated(MigrateType.Movable, MigrateType.Movable, MigrateType.Movable, MigrateType.Movable);
        zone.FreePages(0, 1);
        mode = RmqueueMode.Normal;
        var stolen = Rmqueue(zone, 0, MigrateType.Unmovable, AllocFlags.WmarkLow, ref mode);
        Assert.Equal(0, stolen);
        Assert.Equal(RmqueueMode.Steal, mode);

        FreeTopOfBlock(zone, 3, Block);
        var next = Rmqueue(zone, 0, MigrateType.Unmovable, AllocFlags.WmarkLow, ref mode);

        Assert.InRange(next, 3 * Block, 4 * Block - 1);
        Assert.Equal(MigrateType.Movable, zone.BlockType(3)); // stolen, not claimed
        Assert.Equal(RmqueueMode.Steal, mode);
        Assert.Equal(0, zone.Events.Claims);
        Assert.Equal(2, zone.Events.Steals);
        AssertAuditClean(zone);
    }

    [Fact]
    public void Normal_mode_success_leaves_the_mode_unchanged()
    {
        var zone = AllAllocated(MigrateType.Movable);
        zone.FreePages(0, 8);
        var mode = RmqueueMode.Normal;

        Assert.Equal(0, Rmqueue(zone, 0, MigrateType.Movable, AllocFlags.WmarkLow, ref mode));
        Assert.Equal(RmqueueMode.Normal, mode);
        AssertAuditClean(zone);
    }

    [Fact]
    public void A_partial_claim_attempt_boosts_the_watermark_and_flags_the_zone_only_with_alloc_kswapd()
    {
        var zone = AllAllocated(Blocks(4, MigrateType.Movable));
        FreeTopOfBlock(zone, 1, 8);
        Assert.Equal(0, zone.WatermarkBoost);

        Rmqueue(zone, 0, MigrateType.Unmovable);
        Assert.Equal(Block, zone.WatermarkBoost);
        Assert.False(zone.TestFlag(ZoneFlags.BoostedWatermark));

        Rmqueue(zone, 0, MigrateType.Unmovable, AllocFlags.WmarkLow | AllocFlags.Kswapd);
        Assert.True(zone.TestFlag(ZoneFlags.BoostedWatermark));
        AssertAuditClean(zone);
    }
}
