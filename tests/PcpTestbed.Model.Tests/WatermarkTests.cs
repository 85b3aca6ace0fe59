using static PcpTestbed.Model.Tests.TestZones;

namespace PcpTestbed.Model.Tests;

/// <summary>__zone_watermark_ok(), zone_watermark_fast() and gfp_migratetype().</summary>
public class WatermarkTests
{
    private static readonly Watermarks Marks = new(Min: 100, Low: 125, High: 150, Promo: 175);

    /// <summary>128 blocks, so one HIGHATOMIC block fits under the cap; block 5 has <paramref name="block5"/> and <paramref name="freeIn5"/> free pages.</summary>
    private static Zone ZoneWithFreeIn(MigrateType block5, int freeIn5)
    {
        var types = Blocks(128, MigrateType.Movable);
        types[5] = block5;
        var zone = AllAllocated(types, Marks);
        zone.FreePages(5 * Block, freeIn5);
        return zone;
    }

    [Theory]
    [InlineData(AllocFlags.WmarkMin, 400, 400)]
    [InlineData(AllocFlags.HighAtomic, 400, 400)]                                     // a reserve flag without a discount
    [InlineData(AllocFlags.NonBlock, 400, 400)]                                       // NON_BLOCK alone: no discount
    [InlineData(AllocFlags.MinReserve, 400, 200)]                                     // min -= min/2
    [InlineData(AllocFlags.MinReserve | AllocFlags.NonBlock, 400, 150)]               // then min -= min/4
    [InlineData(AllocFlags.Oom, 400, 200)]                                            // min -= min/2
    [InlineData(AllocFlags.Oom | AllocFlags.MinReserve, 400, 100)]
    [InlineData(AllocFlags.Oom | AllocFlags.MinReserve | AllocFlags.NonBlock, 400, 75)]
    [InlineData(AllocFlags.MinReserve, 401, 201)]                                     // 401 - 401/2: the halving rounds the discount down
    [InlineData(AllocFlags.MinReserve | AllocFlags.NonBlock, 401, 151)]               // 201 - 201/4
    [InlineData(AllocFlags.Oom | AllocFlags.MinReserve | AllocFlags.NonBlock, 401, 76)] // 151 - 151/2
    public void An_order_0_request_passes_only_with_more_free_pages_than_its_discounted_min(AllocFlags flags, long mark, long min)
    {
        var zone = AllAllocated(Blocks(4, MigrateType.Movable), Marks);

        Assert.False(zone.ZoneWatermarkOk(0, mark, flags, freePages: min));
        Assert.True(zone.ZoneWatermarkOk(0, mark, flags, freePages: min + 1));
        AssertAuditClean(zone);
    }

    [Fact]
    public void The_lowmem_reserve_is_added_to_the_mark()
    {
        var zone = AllAllocated(Blocks(4, MigrateType.Movable), Marks);
        zone.LowmemReserve = 50;

        Assert.False(zone.ZoneWatermarkOk(0, 400, AllocFlags.WmarkMin, freePages: 450));
        Assert.True(zone.ZoneWatermarkOk(0, 400, AllocFlags.WmarkMin, freePages: 451));
        AssertAuditClean(zone);
    }

    [Theory]
    [InlineData(AllocFlags.WmarkMin, 100 + 64)]
    [InlineData(AllocFlags.Cma, 100 + 64)]
    [InlineData(AllocFlags.NonBlock, 100)]
    [InlineData(AllocFlags.HighAtomic, 100)]
    [InlineData(AllocFlags.MinReserve, 50)]
    [InlineData(AllocFlags.Oom, 50)]
    public void Free_highatomic_pages_count_only_for_requests_with_alloc_reserves(AllocFlags flags, long threshold)
    {
        var zone = ZoneWithFreeIn(MigrateType.HighAtomic, 64);
        Assert.Equal(64, zone.NrFreeHighatomic);

        Assert.False(zone.ZoneWatermarkOk(0, 100, flags, freePages: threshold));
        Assert.True(zone.ZoneWatermarkOk(0, 100, flags, freePages: threshold + 1));
        AssertAuditClean(zone);
    }

    [Theory]
    [InlineData(AllocFlags.WmarkMin, 100 + 64)]
    [InlineData(AllocFlags.HighAtomic | AllocFlags.Oom, 50 + 64)]
    [InlineData(AllocFlags.Cma, 100)]
    public void Free_cma_pages_count_only_for_requests_with_alloc_cma(AllocFlags flags, long threshold)
    {
        var zone = ZoneWithFreeIn(MigrateType.Cma, 64);

        Assert.False(zone.ZoneWatermarkOk(0, 100, flags, freePages: threshold));
        Assert.True(zone.ZoneWatermarkOk(0, 100, flags, freePages: threshold + 1));
        AssertAuditClean(zone);
    }

    [Fact]
    public void A_high_order_request_cannot_count_the_pages_it_would_leave_below_its_order()
    {
        var zone = ZoneWithFreeIn(MigrateType.Movable, 64);

        Assert.False(zone.ZoneWatermarkOk(3, 100, AllocFlags.WmarkMin, freePages: 107));
        Assert.True(zone.ZoneWatermarkOk(3, 100, AllocFlags.WmarkMin, freePages: 108));
        AssertAuditClean(zone);
    }

    [Fact]
    public void A_high_order_request_fails_when_no_free_chunk_of_that_order_exists_however_many_pages_are_free()
    {
        var zone = AllAllocated(Blocks(4, MigrateType.Movable), Marks);
        for (var p = 0; p < 4 * Block; p += 2)
        {
            zone.FreePages(p, 1); // order-0 chunks only: every buddy is allocated
        }

        Assert.True(zone.ZoneWatermarkOk(0, 10, AllocFlags.WmarkMin));
        Assert.False(zone.ZoneWatermarkOk(1, 10, AllocFlags.WmarkMin));

        zone.FreePages(1, 1); // now one order-1 chunk at 0
        Assert.True(zone.ZoneWatermarkOk(1, 10, AllocFlags.WmarkMin));
        AssertAuditClean(zone);
    }

    [Theory]
    [InlineData(MigrateType.Movable, AllocFlags.WmarkMin, true)]
    [InlineData(MigrateType.Unmovable, AllocFlags.WmarkMin, true)]
    [InlineData(MigrateType.Reclaimable, AllocFlags.WmarkMin, true)]
    [InlineData(MigrateType.Cma, AllocFlags.WmarkMin, false)]
    [InlineData(MigrateType.Cma, AllocFlags.Cma, true)]
    [InlineData(MigrateType.HighAtomic, AllocFlags.WmarkMin, false)]
    [InlineData(MigrateType.HighAtomic, AllocFlags.NonBlock | AllocFlags.MinReserve, false)] // reserves count, the list does not
    [InlineData(MigrateType.HighAtomic, AllocFlags.HighAtomic, true)]
    [InlineData(MigrateType.HighAtomic, AllocFlags.Oom, true)]
    [InlineData(MigrateType.Isolate, AllocFlags.Oom | AllocFlags.HighAtomic | AllocFlags.Cma, false)]
    public void A_high_order_request_needs_its_chunk_on_a_list_it_may_use(MigrateType listType, AllocFlags flags, bool ok)
    {
        var zone = ZoneWithFreeIn(listType, 4); // the only free chunk: order 2 on listType's list

        Assert.Equal(ok, zone.ZoneWatermarkOk(2, 10, flags, freePages: 10_000));
        AssertAuditClean(zone);
    }

    [Theory]
    [InlineData(AllocFlags.WmarkMin)]
    [InlineData(AllocFlags.Cma)]
    [InlineData(AllocFlags.MinReserve | AllocFlags.NonBlock)]
    [InlineData(AllocFlags.Oom | AllocFlags.HighAtomic)]
    public void Zone_watermark_fast_agrees_with_zone_watermark_ok_for_every_mark(AllocFlags flags)
    {
        var types = Blocks(128, MigrateType.Movable);
        types[5] = MigrateType.HighAtomic;
        types[6] = MigrateType.Cma;
        var zone = AllAllocated(types, Marks);
        zone.FreePages(0, 200);
        zone.FreePages(5 * Block, 40);
        zone.FreePages(6 * Block, 60);

        for (var order = 0; order <= 3; order++)
        {
            for (long mark = 0; mark <= 320; mark++)
            {
                Assert.Equal(zone.ZoneWatermarkOk(order, mark, flags), zone.ZoneWatermarkFast(order, mark, flags));
            }
        }

        AssertAuditClean(zone);
    }

    [Fact]
    public void Zone_watermark_fast_order_0_shortcut_passes_when_usable_free_pages_exceed_the_mark()
    {
        var zone = ZoneWithFreeIn(MigrateType.HighAtomic, 64);
        zone.FreePages(0, 200);
        Assert.Equal(264, zone.NrFreePages);

        // Usable without reserves: 264 - 64 = 200.
        Assert.True(zone.ZoneWatermarkFast(0, 199, AllocFlags.WmarkMin));
        Assert.False(zone.ZoneWatermarkFast(0, 200, AllocFlags.WmarkMin));
        AssertAuditClean(zone);
    }

    /// <summary>Four blocks with 300 free pages and a watermark boost of one pageblock (512).</summary>
    private static Zone BoostedZone()
    {
        var zone = AllAllocated(Blocks(4, MigrateType.Movable), Marks);
        zone.FreePages(0, 300);
        using (new ZoneLockScope(zone))
        {
            Assert.True(zone.BoostWatermark());
        }

        Assert.Equal(Block, zone.WatermarkBoost);
        Assert.Equal(100 + Block, zone.WmarkPages(WatermarkKind.Min));
        return zone;
    }

    [Fact]
    public void A_gfp_high_order_0_request_at_the_min_watermark_ignores_the_boost()
    {
        var zone = BoostedZone();

        // Boosted min 612, halved: 306 >= 300 fails; unboosted min 100, halved: 50 < 300 passes.
        Assert.False(zone.ZoneWatermarkOk(0, zone.WmarkPages(WatermarkKind.Min), AllocFlags.MinReserve));
        Assert.True(zone.ZoneWatermarkFast(0, zone.WmarkPages(WatermarkKind.Min), AllocFlags.MinReserve | AllocFlags.WmarkMin));
        AssertAuditClean(zone);
    }

    [Theory]
    [InlineData(0, AllocFlags.WmarkMin)]                          // no __GFP_HIGH
    [InlineData(1, AllocFlags.MinReserve)]                        // not order 0
    [InlineData(0, AllocFlags.MinReserve | AllocFlags.WmarkLow)]  // not the min watermark
    public void The_boost_exemption_needs_order_0_min_reserve_and_the_min_watermark(int order, AllocFlags flags)
    {
        var zone = BoostedZone();

        Assert.False(zone.ZoneWatermarkFast(order, zone.WmarkPages(flags.Watermark()), flags));
        AssertAuditClean(zone);
    }

    [Fact]
    public void Without_a_boost_there_is_no_exemption_to_apply()
    {
        var zone = AllAllocated(Blocks(4, MigrateType.Movable), Marks);
        zone.FreePages(0, 300);

        Assert.False(zone.ZoneWatermarkFast(0, 612, AllocFlags.MinReserve | AllocFlags.WmarkMin));
        AssertAuditClean(zone);
    }

    [Fact]
    public void Resetting_watermarks_clears_the_boost()
    {
        var zone = BoostedZone();

        zone.SetWatermarks(Marks);

        Assert.Equal(0, zone.WatermarkBoost);
        Assert.Equal(100, zone.WmarkPages(WatermarkKind.Min));
        AssertAuditClean(zone);
    }

    [Theory]
    [InlineData(Gfp.None, MigrateType.Unmovable)]
    [InlineData(Gfp.Kernel, MigrateType.Unmovable)]
    [InlineData(Gfp.Atomic, MigrateType.Unmovable)]
    [InlineData(Gfp.Movable, MigrateType.Movable)]
    [InlineData(Gfp.HighUserMovable, MigrateType.Movable)]
    [InlineData(Gfp.Kernel | Gfp.Reclaimable, MigrateType.Reclaimable)]
    public void Gfp_migratetype_reads_the_mobility_bits(Gfp gfp, MigrateType expected)
    {
        Assert.Equal(expected, gfp.MigrateType());
    }

    [Fact]
    public void Gfp_migratetype_rejects_movable_and_reclaimable_together()
    {
        Assert.Throws<ArgumentException>(() => (Gfp.Movable | Gfp.Reclaimable).MigrateType());
    }
}
