using PcpTestbed.Designs;
using PcpTestbed.Model;
using Xunit.Abstractions;

namespace PcpTestbed.Highatomic.Tests;

/// <summary>Test 2: which allocations may GROW the reserve (reserve_highatomic_pageblock() converting a block).</summary>
public class ReserveGrowthTests(ITestOutputHelper output)
{
    public static TheoryData<HighatomicVariant, int[]> SlowpathGrowthOrders => new()
    {
        // Any ALLOC_HIGHATOMIC success grows, the PCP orders included (their page comes from the refill).
        { HighatomicVariant.Pre202603, [1, 2, 3, 4, 9, 10] },

        // Buddy path, above PAGE_ALLOC_COSTLY_ORDER, slow path (v2 through ALLOC_HIGHATOMIC_RESERVE, v3 through WMARK_MIN).
        { HighatomicVariant.May2026, [4, 9, 10] },
        { HighatomicVariant.V2, [4, 9, 10] },
        { HighatomicVariant.V3, [4, 9, 10] },
    };

    /// <summary>
    /// The growth table: on a zone with no reserve yet (cap two blocks), only slow-path GFP_ATOMIC requests grow
    /// it, at the orders each variant allows, never a fast-path request, and by max(pageblock, 2^order) pages.
    /// </summary>
    [Theory]
    [MemberData(nameof(SlowpathGrowthOrders))]
    public void Only_slowpath_atomic_requests_grow_the_reserve_at_the_orders_the_variant_allows(HighatomicVariant variant, int[] growthOrders)
    {
        var expected = new RuleTable().Holds(AllocPath.Slow, GfpCase.Atomic, growthOrders);
        var observed = new RuleTable();
        foreach (var path in Enum.GetValues<AllocPath>())
        {
            foreach (var gfp in GfpCase.All)
            {
                foreach (var order in GfpCase.Orders)
                {
                    var grown = GrowthOfOneAllocation(variant, path, gfp, order);
                    Assert.True(grown == 0 || grown == Math.Max(PageAlloc.PageblockNrPages, 1L << order),
                        $"{path} {gfp} order {order}: the reserve grew by {grown} pages, not by whole blocks covering the page");
                    observed.Set(path, gfp, order, grown > 0);
                }
            }
        }

        output.WriteLine($"{HighatomicVariants.Name(variant)}: orders that grow the reserve\n{observed}");
        Assert.Equal(expected.ToString(), observed.ToString());
    }

    /// <summary>
    /// The Mar 2026 bug: order-1 GFP_ATOMIC slow-path allocations served from the PCP, each from a block not yet
    /// reserved (pages freed to the PCP from all over the zone, as a NIC's receive path sees them), each reserve
    /// another whole block, up to the cap, while the atomic user holds 2 pages per allocation.
    /// </summary>
    [Fact]
    public void Pre202603_each_pcp_served_atomic_slowpath_allocation_reserves_another_block_until_the_cap()
    {
        var s = PcpFromDistinctBlocks(HighatomicVariant.Pre202603, out var blocks);
        var cap = s.Zone.HighatomicMaxPages;
        Assert.Equal(6 * PageAlloc.PageblockNrPages, cap);
        var before = s.Alloc.Stats();

        for (var i = 1; i <= blocks; i++)
        {
            var pfn = s.Allocate(0, Gfp.Atomic, 1);

            // Runaway: one more block per allocation until the cap, then the cap holds.
            Assert.Equal(Math.Min(i * (long)PageAlloc.PageblockNrPages, cap), s.Zone.NrReservedHighatomic);
            // The block reserved is the one the PCP page came from; past the cap it keeps its type.
            Assert.Equal(i <= 6 ? MigrateType.HighAtomic : MigrateType.Unmovable, s.BlockType(pfn));
            s.AssertWholeBlockAccounting();
        }

        var after = s.Alloc.Stats();
        Assert.Equal(blocks, after.SlowpathAllocations - before.SlowpathAllocations);
        Assert.Equal(blocks, after.PcpAllocations - before.PcpAllocations);
        Assert.Equal(0, after.BuddyAllocations - before.BuddyAllocations);
        Assert.Equal(6, after.HighatomicReserveEvents - before.HighatomicReserveEvents);
        s.AssertAuditClean();
    }

    /// <summary>The same PCP hits from distinct blocks never grow the reserve once growth is buddy-path only.</summary>
    [Theory]
    [InlineData(HighatomicVariant.May2026)]
    [InlineData(HighatomicVariant.V2)]
    [InlineData(HighatomicVariant.V3)]
    public void Pcp_served_atomic_slowpath_allocations_never_grow_the_reserve_after_the_Mar2026_fix(HighatomicVariant variant)
    {
        var s = PcpFromDistinctBlocks(variant, out var blocks);
        var before = s.Alloc.Stats();

        for (var i = 0; i < blocks; i++)
        {
            var pfn = s.Allocate(0, Gfp.Atomic, 1);
            Assert.NotEqual(MigrateType.HighAtomic, s.BlockType(pfn));
        }

        var after = s.Alloc.Stats();
        Assert.Equal(blocks, after.SlowpathAllocations - before.SlowpathAllocations);
        Assert.Equal(blocks, after.PcpAllocations - before.PcpAllocations);
        Assert.Equal(0, s.Zone.NrReservedHighatomic);
        Assert.Equal(0, after.HighatomicReserveEvents);
        s.AssertAuditClean();
    }

    /// <summary>
    /// "Buddy path only" holds above the costly order too: an order-9 GFP_ATOMIC slow-path request served from a
    /// non-empty THP list of the PCP grows the reserve only before the Mar 2026 fix.
    /// </summary>
    [Theory]
    [InlineData(HighatomicVariant.Pre202603, true)]
    [InlineData(HighatomicVariant.May2026, false)]
    [InlineData(HighatomicVariant.V2, false)]
    [InlineData(HighatomicVariant.V3, false)]
    public void An_order9_atomic_slowpath_pcp_hit_grows_the_reserve_only_before_the_Mar2026_fix(HighatomicVariant variant, bool grows)
    {
        var s = Scenario.Create("256M", variant, watermarks: Scenario.Wide256M);

        // A GFP_KERNEL THP allocation refills the THP list with two chunks and leaves one there.
        s.Allocate(0, Gfp.Kernel, PageAlloc.HpagePmdOrder);
        Assert.Equal(PageAlloc.PageblockNrPages, s.Alloc.PcpCount(0));
        s.ForceSlowpath(PageAlloc.HpagePmdOrder);
        var before = s.Alloc.Stats();

        s.Allocate(0, Gfp.Atomic, PageAlloc.HpagePmdOrder);

        var after = s.Alloc.Stats();
        Assert.Equal(1, after.SlowpathAllocations - before.SlowpathAllocations);
        Assert.Equal(1, after.PcpAllocations - before.PcpAllocations);
        Assert.Equal(grows ? PageAlloc.PageblockNrPages : 0, s.Zone.NrReservedHighatomic);
        s.AssertAuditClean();
    }

    /// <summary>
    /// v3 sets ALLOC_HIGHATOMIC on the fast path (the first 64 order-4 requests are served from the reserve) but
    /// the growth gate (alloc_flags &amp; ALLOC_WMARK_MASK) == ALLOC_WMARK_MIN keeps the fast path from growing it,
    /// even on the buddy path above the costly order; the same request on the slow path grows it.
    /// </summary>
    [Fact]
    public void V3_never_grows_the_reserve_from_the_fast_path_even_with_ALLOC_HIGHATOMIC_set_there()
    {
        var s = Scenario.Create("1G,highatomic=2@start", HighatomicVariant.V3, watermarks: Scenario.Wide1G);
        const int order = 4;
        var reserveChunks = 2 * PageAlloc.PageblockNrPages >> order;
        var start = s.Zone.NrReservedHighatomic;
        Assert.True(start < s.Zone.HighatomicMaxPages, "setup: the reserve must have room to grow");

        for (var i = 0; i < reserveChunks; i++)
        {
            var pfn = s.Allocate(0, Gfp.Atomic, order);
            Assert.Equal(MigrateType.HighAtomic, s.BlockType(pfn));
        }

        Assert.Equal(0, s.Zone.NrFreeHighatomic);
        var before = s.Alloc.Stats();
        for (var i = 0; i < 8; i++)
        {
            var pfn = s.Allocate(0, Gfp.Atomic, order);
            Assert.NotEqual(MigrateType.HighAtomic, s.BlockType(pfn));
        }

        var afterFast = s.Alloc.Stats();
        Assert.Equal(0, afterFast.SlowpathAllocations);
        Assert.Equal(8, afterFast.BuddyAllocations - before.BuddyAllocations);
        Assert.Equal(start, s.Zone.NrReservedHighatomic);

        s.ForceSlowpath(order);
        var beforeSlow = s.Alloc.Stats();
        s.Allocate(0, Gfp.Atomic, order);

        Assert.Equal(1, s.Alloc.Stats().SlowpathAllocations - beforeSlow.SlowpathAllocations);
        Assert.Equal(start + PageAlloc.PageblockNrPages, s.Zone.NrReservedHighatomic);
        s.AssertAuditClean();
    }

    private static long GrowthOfOneAllocation(HighatomicVariant variant, AllocPath path, GfpCase gfp, int order)
    {
        var s = Scenario.Create("256M", variant, watermarks: Scenario.Wide256M);
        if (path == AllocPath.Slow)
        {
            s.ForceSlowpath(order);
        }

        Assert.Equal(0, s.Zone.NrReservedHighatomic);
        var before = s.Alloc.Stats();

        s.Allocate(0, gfp.Mask, order);

        Assert.Equal(path == AllocPath.Slow ? 1 : 0, s.Alloc.Stats().SlowpathAllocations - before.SlowpathAllocations);
        s.AssertWholeBlockAccounting();
        s.AssertAuditClean();
        return s.Zone.NrReservedHighatomic;
    }

    /// <summary>
    /// A 1G zone (cap six blocks) on two CPUs: CPU 1 allocates order-1 GFP_KERNEL chunks until they span eight
    /// blocks; one chunk of each block is freed on CPU 0, whose order-1 UNMOVABLE list then serves the next
    /// eight order-1 requests from eight distinct blocks. Free pages are then placed so that these requests
    /// fail the fast path and pass the slow path.
    /// </summary>
    private static Scenario PcpFromDistinctBlocks(HighatomicVariant variant, out int blocks)
    {
        blocks = 8;
        var s = Scenario.Create("1G", variant, cpus: 2);
        var oneChunkPerBlock = new Dictionary<int, long>();
        for (var i = 0; i < 4096 && oneChunkPerBlock.Count < blocks; i++)
        {
            var pfn = s.Allocate(1, Gfp.Kernel, 1);
            oneChunkPerBlock.TryAdd(s.BlockOf(pfn), pfn);
        }

        Assert.Equal(blocks, oneChunkPerBlock.Count);
        s.ForceSlowpath(1);
        foreach (var pfn in oneChunkPerBlock.Values)
        {
            s.Alloc.Free(0, pfn, 1);
        }

        Assert.Equal(2 * blocks, s.Alloc.PcpCount(0));
        Assert.Equal(0, s.Zone.NrReservedHighatomic);
        return s;
    }
}
