using static PcpTestbed.Model.Tests.TestZones;

namespace PcpTestbed.Model.Tests;

/// <summary>__rmqueue()'s CMA balancing rule and its CMA mode.</summary>
public class CmaRuleTests
{
    /// <summary>Two MOVABLE, one UNMOVABLE and one CMA block, all allocated but the pages asked for.</summary>
    private static Zone ZoneWithFree(int movable, int cma, int unmovable = 0)
    {
        var zone = AllAllocated(MigrateType.Movable, MigrateType.Unmovable, MigrateType.Cma, MigrateType.Movable);
        zone.FreePages(0, movable);
        zone.FreePages(Block, unmovable);
        zone.FreePages(2 * Block, cma);
        return zone;
    }

    private static bool IsCma(Zone zone, int pfn) => zone.GetPageblockMigratetype(pfn) == MigrateType.Cma;

    private static int Rmqueue(Zone zone, MigrateType mt, AllocFlags flags, ref RmqueueMode mode)
    {
        using var _ = zone.Locked();
        var pfn = zone.Rmqueue(0, mt, flags, ref mode);
        if (pfn >= 0)
        {
            zone.PrepNewPage(pfn, 0, mt);
        }

        return pfn;
    }

    [Fact]
    public void With_alloc_cma_and_more_than_half_the_free_pages_in_cma_cma_is_tried_before_the_requested_type()
    {
        var zone = ZoneWithFree(movable: 100, cma: 101);
        var mode = RmqueueMode.Normal;

        var pfn = Rmqueue(zone, MigrateType.Movable, AllocFlags.Cma, ref mode);

        Assert.True(IsCma(zone, pfn), $"pfn {pfn} should come from the CMA block");
        Assert.Equal(100, zone.NrFreeCmaPages);
        Assert.Equal(1, zone.Events.CmaAllocations);
        Assert.Equal(RmqueueMode.Normal, mode); // the balancing rule does not change the mode
        AssertAuditClean(zone);
    }

    [Theory]
    [InlineData(100, 100)] // exactly half
    [InlineData(101, 100)] // 100 > 201 / 2 is false too: integer halving
    public void At_half_the_free_pages_or_less_in_cma_the_requested_type_goes_first(int movable, int cma)
    {
        var zone = ZoneWithFree(movable, cma);
        var mode = RmqueueMode.Normal;

        var pfn = Rmqueue(zone, MigrateType.Movable, AllocFlags.Cma, ref mode);

        Assert.Equal(MigrateType.Movable, zone.GetPageblockMigratetype(pfn));
        Assert.Equal(cma, zone.NrFreeCmaPages);
        Assert.Equal(0, zone.Events.CmaAllocations);
        AssertAuditClean(zone);
    }

    [Fact]
    public void Without_alloc_cma_a_request_fails_rather_than_use_cma_pages()
    {
        var zone = ZoneWithFree(movable: 0, cma: 300);
        var mode = RmqueueMode.Normal;

        var pfn = Rmqueue(zone, MigrateType.Movable, AllocFlags.WmarkLow, ref mode);

        Assert.Equal(-1, pfn);
        Assert.Equal(300, zone.NrFreeCmaPages);
        Assert.Equal(300, zone.NrFreePages);
        AssertAuditClean(zone);
    }

    [Fact]
    public void Without_alloc_cma_a_movable_request_falls_back_to_another_type_not_to_cma()
    {
        var zone = ZoneWithFree(movable: 0, cma: 300, unmovable: 1);
        var mode = RmqueueMode.Normal;

        var pfn = Rmqueue(zone, MigrateType.Movable, AllocFlags.WmarkLow, ref mode);

        Assert.Equal(Block, pfn);
        Assert.Equal(300, zone.NrFreeCmaPages);
        AssertAuditClean(zone);
    }

    [Fact]
    public void When_the_requested_type_is_empty_cma_mode_serves_an_alloc_cma_request_before_any_fallback()
    {
        // CMA is under half of the free pages, so the balancing rule does not fire; normal mode fails.
        var zone = ZoneWithFree(movable: 0, cma: 10, unmovable: 300);
        var mode = RmqueueMode.Normal;

        var pfn = Rmqueue(zone, MigrateType.Movable, AllocFlags.Cma, ref mode);

        Assert.True(IsCma(zone, pfn), $"pfn {pfn} should come from the CMA block");
        Assert.Equal(RmqueueMode.Cma, mode);
        Assert.Equal(300, zone.FreePagesOfType(MigrateType.Unmovable));
        Assert.Equal(0, zone.Events.Steals + zone.Events.Claims);
        AssertAuditClean(zone);
    }

    [Fact]
    public void Cma_mode_skips_the_normal_lists_on_the_next_call_of_the_same_batch()
    {
        var zone = ZoneWithFree(movable: 50, cma: 10);
        var mode = RmqueueMode.Cma;

        var pfn = Rmqueue(zone, MigrateType.Movable, AllocFlags.Cma, ref mode);

        Assert.True(IsCma(zone, pfn), $"pfn {pfn} should come from the CMA block");
        Assert.Equal(50, zone.FreePagesOfType(MigrateType.Movable));
        AssertAuditClean(zone);
    }

    [Fact]
    public void The_balancing_rule_applies_to_unmovable_requests_that_carry_alloc_cma()
    {
        // __rmqueue() checks the flag, not the type: gfp_to_alloc_flags_cma() is what ties ALLOC_CMA to movable.
        var zone = ZoneWithFree(movable: 0, cma: 200, unmovable: 100);
        var mode = RmqueueMode.Normal;

        var pfn = Rmqueue(zone, MigrateType.Unmovable, AllocFlags.Cma, ref mode);

        Assert.True(IsCma(zone, pfn), $"pfn {pfn} should come from the CMA block");
        AssertAuditClean(zone);
    }
}
