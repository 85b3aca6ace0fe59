using PcpTestbed.Designs;
using PcpTestbed.Model;
using Xunit.Abstractions;

namespace PcpTestbed.Highatomic.Tests;

/// <summary>
/// Test 1, the review's order-range point: which requests may USE the reserve, by path, order and gfp mask.
/// A cell holds when the request is served from a block that was HIGHATOMIC before it ran, on a zone whose
/// reserve (two buddy blocks, one free order-10 chunk) has a free chunk of every order while the normal
/// lists could serve the request too. Each cell starts from a fresh zone with empty PCPs.
/// </summary>
public class ReserveUseTableTests(ITestOutputHelper output)
{
    private const string Spec = "256M,highatomic=2@start";

    [Fact]
    public void Pre202603_never_uses_the_reserve_on_the_fast_path_and_on_the_slow_path_only_for_orders_the_pcp_does_not_cache()
    {
        // The slow path's ALLOC_HIGHATOMIC request for a PCP order refills the empty list from __rmqueue(),
        // which never looks at MIGRATE_HIGHATOMIC (the Mar 2026 changelog: "MIGRATE_HIGHATOMIC pages never
        // appear on that list"); only orders 4..8 and 10 reach rmqueue_buddy(), which tries the reserve first.
        var expected = new RuleTable()
            .Holds(AllocPath.Slow, GfpCase.Atomic, 4, 10);

        AssertUseTable(HighatomicVariant.Pre202603, expected);
    }

    [Fact]
    public void May2026_never_uses_the_reserve_on_the_fast_path_and_uses_it_for_every_order_above_0_on_the_slow_path()
    {
        // The PCP bypass sends the slow path's ALLOC_HIGHATOMIC request to the buddy for the PCP orders too.
        var expected = new RuleTable()
            .Holds(AllocPath.Slow, GfpCase.Atomic, 1, 2, 3, 4, 9, 10);

        AssertUseTable(HighatomicVariant.May2026, expected);
    }

    [Fact]
    public void V2_uses_the_reserve_on_the_fast_path_for_orders_1_to_3_only_and_on_the_slow_path_for_every_order_above_0()
    {
        // alloc_flags_highatomic_fastpath() stops at PAGE_ALLOC_COSTLY_ORDER: the review's order-range point.
        var expected = new RuleTable()
            .Holds(AllocPath.Fast, GfpCase.Atomic, 1, 2, 3)
            .Holds(AllocPath.Slow, GfpCase.Atomic, 1, 2, 3, 4, 9, 10);

        AssertUseTable(HighatomicVariant.V2, expected);
    }

    [Fact]
    public void V3_uses_the_reserve_for_every_order_above_0_on_both_paths()
    {
        // gfp_to_alloc_flags_nonblocking() & ALLOC_HIGHATOMIC: the fast path agrees with the slow path.
        var expected = new RuleTable()
            .Holds(AllocPath.Fast, GfpCase.Atomic, 1, 2, 3, 4, 9, 10)
            .Holds(AllocPath.Slow, GfpCase.Atomic, 1, 2, 3, 4, 9, 10);

        AssertUseTable(HighatomicVariant.V3, expected);
    }

    private void AssertUseTable(HighatomicVariant variant, RuleTable expected)
    {
        var observed = new RuleTable();
        foreach (var path in Enum.GetValues<AllocPath>())
        {
            foreach (var gfp in GfpCase.All)
            {
                foreach (var order in GfpCase.Orders)
                {
                    observed.Set(path, gfp, order, ServedFromReserve(variant, path, gfp, order));
                }
            }
        }

        output.WriteLine($"{HighatomicVariants.Name(variant)}: orders served from the reserve\n{observed}");
        Assert.Equal(expected.ToString(), observed.ToString());
    }

    private static bool ServedFromReserve(HighatomicVariant variant, AllocPath path, GfpCase gfp, int order)
    {
        var s = Scenario.Create(Spec, variant, watermarks: Scenario.Wide256M);
        if (path == AllocPath.Slow)
        {
            s.ForceSlowpath(order);
        }

        // The precondition of every cell: a free reserve chunk of the order, and normal lists that could serve.
        Assert.False(s.Zone.FreeAreaEmpty(PageAlloc.MaxPageOrder, MigrateType.HighAtomic));
        Assert.True(HasNormalChunk(s.Zone, order), $"setup: no free normal chunk of order {order} or above");
        var reserveBlocks = s.HighatomicBlocks();
        var before = s.Alloc.Stats();

        var pfn = s.Allocate(0, gfp.Mask, order);

        // The setup really chose the path: a cell served by the wrong path proves nothing.
        Assert.Equal(path == AllocPath.Slow ? 1 : 0, s.Alloc.Stats().SlowpathAllocations - before.SlowpathAllocations);
        s.AssertAuditClean();
        return reserveBlocks.Contains(s.BlockOf(pfn));
    }

    private static bool HasNormalChunk(Zone zone, int order)
    {
        for (var o = order; o < PageAlloc.NrPageOrders; o++)
        {
            for (var mt = 0; mt < MigrateTypes.PcpTypes; mt++)
            {
                if (!zone.FreeAreaEmpty(o, (MigrateType)mt))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
