using PcpTestbed.Designs;
using PcpTestbed.Model;

namespace PcpTestbed.Highatomic.Tests;

/// <summary>
/// Test 6: the statistics. A fast-path hit is a non-blocking __GFP_HIGH request above order 0 that the fast path
/// serves from a HIGHATOMIC block; a miss is such a request served from another type while the reserve had a
/// free chunk of its order or larger (CountFastpathHighatomic). HighatomicReservedStart/Max/End follow
/// nr_reserved_highatomic from the allocator's creation.
/// </summary>
public class HighatomicStatsTests
{
    private const string Spec = "256M,highatomic=2@start";

    public static TheoryData<HighatomicVariant, int, bool> FastpathAtomicCases()
    {
        var data = new TheoryData<HighatomicVariant, int, bool>();
        foreach (var order in new[] { 1, 2, 3, 4, 9, 10 })
        {
            data.Add(HighatomicVariant.Pre202603, order, false);
            data.Add(HighatomicVariant.May2026, order, false);
            data.Add(HighatomicVariant.V2, order, order <= PageAlloc.PageAllocCostlyOrder);
            data.Add(HighatomicVariant.V3, order, true);
        }

        return data;
    }

    /// <summary>With a free reserve chunk, a fast-path GFP_ATOMIC request counts a hit where the variant lets the fast path use the reserve, a miss everywhere else.</summary>
    [Theory]
    [MemberData(nameof(FastpathAtomicCases))]
    public void A_fastpath_atomic_request_counts_a_hit_when_served_from_the_reserve_and_a_miss_otherwise(HighatomicVariant variant, int order, bool hit)
    {
        var s = Scenario.Create(Spec, variant, watermarks: Scenario.Wide256M);
        var reserveBlocks = s.HighatomicBlocks();

        var pfn = s.Allocate(0, Gfp.Atomic, order);

        var stats = s.Alloc.Stats();
        Assert.Equal(0, stats.SlowpathAllocations);
        Assert.Equal(hit, reserveBlocks.Contains(s.BlockOf(pfn)));
        Assert.Equal(hit ? 1 : 0, stats.HighatomicFastpathHits);
        Assert.Equal(hit ? 0 : 1, stats.HighatomicMisses);
        s.AssertAuditClean();
    }

    /// <summary>Order 0, masks without __GFP_HIGH, blocking masks and every slow-path allocation count neither.</summary>
    [Theory]
    [InlineData(HighatomicVariant.Pre202603)]
    [InlineData(HighatomicVariant.May2026)]
    [InlineData(HighatomicVariant.V2)]
    [InlineData(HighatomicVariant.V3)]
    public void Order0_non_high_blocking_and_slowpath_requests_count_neither_hits_nor_misses(HighatomicVariant variant)
    {
        (AllocPath Path, Gfp Gfp, int Order)[] uncounted =
        [
            (AllocPath.Fast, Gfp.Atomic, 0),
            (AllocPath.Fast, Gfp.NoWait, 1),
            (AllocPath.Fast, Gfp.Kernel, 1),
            (AllocPath.Fast, Gfp.High | Gfp.Kernel, 1),
            (AllocPath.Slow, Gfp.Atomic, 1),
            (AllocPath.Slow, Gfp.Atomic, 4),
        ];
        foreach (var (path, gfp, order) in uncounted)
        {
            var s = Scenario.Create(Spec, variant, watermarks: Scenario.Wide256M);
            if (path == AllocPath.Slow)
            {
                s.ForceSlowpath(order);
            }

            var before = s.Alloc.Stats();

            s.Allocate(0, gfp, order);

            var stats = s.Alloc.Stats();
            Assert.Equal(path == AllocPath.Slow ? 1 : 0, stats.SlowpathAllocations - before.SlowpathAllocations);
            Assert.True(stats.HighatomicFastpathHits == 0 && stats.HighatomicMisses == 0,
                $"{path} {gfp} order {order}: {stats.HighatomicFastpathHits} hits, {stats.HighatomicMisses} misses");
        }
    }

    /// <summary>A miss needs a free reserve chunk of the request's order or larger: one reserve block has order-9 chunks at most.</summary>
    [Fact]
    public void A_miss_needs_a_free_reserve_chunk_of_the_requests_order_or_larger()
    {
        var s = Scenario.Create("256M,highatomic=1", HighatomicVariant.May2026, watermarks: Scenario.Wide256M);
        Assert.True(s.Zone.FreeAreaEmpty(PageAlloc.MaxPageOrder, MigrateType.HighAtomic));

        s.Allocate(0, Gfp.Atomic, PageAlloc.MaxPageOrder);
        Assert.Equal(0, s.Alloc.Stats().HighatomicMisses);

        s.Allocate(0, Gfp.Atomic, PageAlloc.HpagePmdOrder);
        Assert.Equal(1, s.Alloc.Stats().HighatomicMisses);
        s.AssertAuditClean();
    }

    /// <summary>Where the fast path may use the reserve (v2, v3), misses come from PCP hits: a non-empty list serves before the reserve.</summary>
    [Theory]
    [InlineData(HighatomicVariant.V2)]
    [InlineData(HighatomicVariant.V3)]
    public void A_fastpath_pcp_hit_counts_a_miss_where_the_fast_path_may_use_the_reserve(HighatomicVariant variant)
    {
        var s = Scenario.Create(Spec, variant, watermarks: Scenario.Wide256M);
        s.Allocate(0, Gfp.Kernel, 1);
        Assert.True(s.Alloc.PcpCount(0) > 0, "setup: the order-1 list is empty");

        var pfn = s.Allocate(0, Gfp.Atomic, 1);

        var stats = s.Alloc.Stats();
        Assert.NotEqual(MigrateType.HighAtomic, s.BlockType(pfn));
        Assert.Equal(0, stats.HighatomicFastpathHits);
        Assert.Equal(1, stats.HighatomicMisses);
        s.AssertAuditClean();
    }

    /// <summary>
    /// Start is the reserve the allocator was created with, Max the largest it reached, End what it is now:
    /// two spec blocks (1024), grown to the 1G cap by order-9 slow-path atomics (3072), one block then released
    /// by a blocking request after reclaim progress (2560).
    /// </summary>
    [Fact]
    public void Reserved_start_max_and_end_follow_the_reserve_through_growth_and_unreserve()
    {
        var reclaim = new ScriptedReclaim(_ => 32);
        var s = Scenario.Create("1G,highatomic=2@spread", HighatomicVariant.May2026, reclaim: reclaim, watermarks: Scenario.Wide1G);
        reclaim.Zone = s.Zone;
        var cap = s.Zone.HighatomicMaxPages;
        s.ForceSlowpath(PageAlloc.HpagePmdOrder);

        // Two requests take the two free reserve blocks whole, four more reserve a block each.
        var fromReserve = new List<long>();
        for (var i = 0; i < 6; i++)
        {
            var pfn = s.Allocate(0, Gfp.Atomic, PageAlloc.HpagePmdOrder);
            if (i < 2)
            {
                fromReserve.Add(pfn);
            }
        }

        Assert.Equal(cap, s.Zone.NrReservedHighatomic);

        // Give one reserve block back free, then exhaust the normal lists.
        s.Alloc.Free(0, fromReserve[0], PageAlloc.HpagePmdOrder);
        s.Alloc.DrainAllPages(0);
        Assert.Equal(PageAlloc.PageblockNrPages, s.Zone.NrFreeHighatomic);
        s.FillTo(s.Zone.NrFreeHighatomic + s.Zone.WmarkPages(WatermarkKind.Min) / 2, Scenario.ExhausterGfp);
        s.Allocate(0, Gfp.Kernel, 0);

        var stats = s.Alloc.Stats();
        Assert.Equal(2 * PageAlloc.PageblockNrPages, stats.HighatomicReservedStart);
        Assert.Equal(cap, stats.HighatomicReservedMax);
        Assert.Equal(cap - PageAlloc.PageblockNrPages, stats.HighatomicReservedEnd);
        Assert.Equal(4, stats.HighatomicReserveEvents);
        Assert.Equal(1, stats.HighatomicUnreserveEvents);
        s.AssertAuditClean();
    }

    /// <summary>
    /// SourcePages counts pages by "the migratetype of their block", read in Allocate() after
    /// get_page_from_freelist() returns, which is after reserve_highatomic_pageblock() converted the block. A
    /// slow-path atomic served from the normal lists that grows the reserve is so counted as served from
    /// HIGHATOMIC, although the reserve had no free page: growth inflates the reserve's apparent use.
    /// </summary>
    [Fact]
    public void SourcePages_counts_the_type_a_page_was_served_from_not_the_type_its_block_was_reserved_as_afterwards()
    {
        var s = Scenario.Create("256M", HighatomicVariant.May2026, watermarks: Scenario.Wide256M);
        s.ForceSlowpath(4);
        var before = s.Alloc.Stats();

        var pfn = s.Allocate(0, Gfp.Atomic, 4);

        var after = s.Alloc.Stats();
        Assert.Equal(MigrateType.HighAtomic, s.BlockType(pfn)); // it grew the reserve
        Assert.Equal(before.SourcePages[(int)MigrateType.HighAtomic], after.SourcePages[(int)MigrateType.HighAtomic]);
        Assert.Equal(16, after.SourcePages[(int)MigrateType.Unmovable] - before.SourcePages[(int)MigrateType.Unmovable]);
    }
}
