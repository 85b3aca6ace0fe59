using PcpTestbed.Designs;
using PcpTestbed.Model;

namespace PcpTestbed.Highatomic.Tests;

/// <summary>Test 4: the cap, ALIGN(managed / 100, pageblock_nr_pages), and whole-block accounting.</summary>
public class ReserveCapTests
{
    [Theory]
    [InlineData(51_199L, 0L)] // 1% is 511 pages, less than a block: no reserve at all
    [InlineData(51_200L, 512L)] // exactly one block
    [InlineData(51_300L, 1024L)] // 513 pages round up to two blocks
    [InlineData(65_536L, 1024L)] // 256M
    [InlineData(262_144L, 3072L)] // 1G
    [InlineData(16L << 20, 167_936L)] // 64G: 167772 pages rounded up to 328 blocks
    public void The_cap_is_one_percent_of_managed_pages_aligned_up_to_whole_pageblocks(long managedPages, long capPages)
    {
        Assert.Equal(capPages, Zone.ComputeHighatomicMaxPages(managedPages));
    }

    /// <summary>
    /// Order-9 GFP_ATOMIC slow-path allocations on a 1G zone (cap six blocks): each is served from a normal block,
    /// the reserve being fully allocated, and reserves that block, six times; from then on the cap refuses,
    /// and the reserve stays a whole number of HIGHATOMIC blocks throughout.
    /// </summary>
    [Theory]
    [InlineData(HighatomicVariant.Pre202603)]
    [InlineData(HighatomicVariant.May2026)]
    [InlineData(HighatomicVariant.V2)]
    [InlineData(HighatomicVariant.V3)]
    public void The_reserve_grows_in_whole_blocks_and_refuses_at_the_cap(HighatomicVariant variant)
    {
        var s = Scenario.Create("1G", variant, watermarks: Scenario.Wide1G);
        var cap = s.Zone.HighatomicMaxPages;
        Assert.Equal(6 * PageAlloc.PageblockNrPages, cap);
        s.ForceSlowpath(PageAlloc.HpagePmdOrder);
        var before = s.Alloc.Stats();

        for (var i = 1; i <= 8; i++)
        {
            var pfn = s.Allocate(0, Gfp.Atomic, PageAlloc.HpagePmdOrder);

            Assert.Equal(Math.Min(i * (long)PageAlloc.PageblockNrPages, cap), s.Zone.NrReservedHighatomic);
            Assert.Equal(i <= 6 ? MigrateType.HighAtomic : MigrateType.Unmovable, s.BlockType(pfn));
            s.AssertWholeBlockAccounting();
        }

        var after = s.Alloc.Stats();
        Assert.Equal(8, after.SlowpathAllocations - before.SlowpathAllocations);
        Assert.Equal(6, after.HighatomicReserveEvents);
        Assert.Equal(cap, after.HighatomicReservedMax);
        s.AssertAuditClean();
    }

    /// <summary>An order-10 reservation (change_pageblock_range() over the allocated chunk) counts both of its blocks.</summary>
    [Fact]
    public void An_order10_reservation_counts_both_blocks_of_the_chunk()
    {
        var s = Scenario.Create("256M", HighatomicVariant.May2026, watermarks: Scenario.Wide256M);
        Assert.Equal(2 * PageAlloc.PageblockNrPages, s.Zone.HighatomicMaxPages);
        s.ForceSlowpath(PageAlloc.MaxPageOrder);

        var pfn = s.Allocate(0, Gfp.Atomic, PageAlloc.MaxPageOrder);

        Assert.Equal(2 * PageAlloc.PageblockNrPages, s.Zone.NrReservedHighatomic);
        Assert.Equal(MigrateType.HighAtomic, s.BlockType(pfn));
        Assert.Equal(MigrateType.HighAtomic, s.BlockType(pfn + PageAlloc.PageblockNrPages));
        s.AssertWholeBlockAccounting();
        s.AssertAuditClean();
    }

    /// <summary>
    /// reserve_highatomic_pageblock() checks only nr_reserved_highatomic &gt;= max before adding 1 &lt;&lt; order, so an
    /// order-10 reservation one block below the cap ends one block above it, in the kernel and in the model alike.
    /// The auditor (and ../shared/KERNEL.md §7.6) demand nr_reserved_highatomic &lt;= cap and report this kernel-legal
    /// state as a violation: one of the two must change (the auditor to allow cap + 2^MAX_PAGE_ORDER - pageblock_nr_pages,
    /// or the model to deviate from the kernel and refuse a reservation that would overshoot).
    /// </summary>
    [Fact]
    public void An_order10_reservation_one_block_below_the_cap_overshoots_it_as_the_kernel_does_and_audits_clean()
    {
        var s = Scenario.Create("256M,highatomic=1", HighatomicVariant.May2026, watermarks: Scenario.Wide256M);
        var cap = s.Zone.HighatomicMaxPages;
        Assert.Equal(PageAlloc.PageblockNrPages, s.Zone.NrReservedHighatomic);
        Assert.Equal(2 * PageAlloc.PageblockNrPages, cap);
        s.ForceSlowpath(PageAlloc.MaxPageOrder);

        // A single reserve block has no free order-10 chunk: the request is served from the normal lists and reserved.
        var pfn = s.Allocate(0, Gfp.Atomic, PageAlloc.MaxPageOrder);

        Assert.Equal(MigrateType.HighAtomic, s.BlockType(pfn));
        Assert.Equal(cap + PageAlloc.PageblockNrPages, s.Zone.NrReservedHighatomic);
        s.AssertAuditClean();
    }

    /// <summary>
    /// No reserve at all when 1% of the zone is less than a pageblock: a 192M zone never reserves, even in the
    /// variant that reserves after every ALLOC_HIGHATOMIC success; 200M is the smallest zone with a one-block cap.
    /// </summary>
    [Theory]
    [InlineData("192M", 0L)]
    [InlineData("200M", 512L)]
    public void A_zone_whose_one_percent_is_below_a_pageblock_never_reserves(string spec, long capPages)
    {
        var s = Scenario.Create(spec, HighatomicVariant.Pre202603);
        Assert.Equal(capPages, s.Zone.HighatomicMaxPages);
        s.ForceSlowpath(4);
        var before = s.Alloc.Stats();

        s.Allocate(0, Gfp.Atomic, 4);

        Assert.Equal(1, s.Alloc.Stats().SlowpathAllocations - before.SlowpathAllocations);
        Assert.Equal(capPages, s.Zone.NrReservedHighatomic);
        s.AssertWholeBlockAccounting();
        s.AssertAuditClean();
    }

    /// <summary>A zone cannot be built with more HIGHATOMIC blocks than its cap.</summary>
    [Fact]
    public void A_zone_spec_with_more_highatomic_blocks_than_the_cap_is_rejected()
    {
        var ex = Assert.Throws<FormatException>(() => Scenario.Create("256M,highatomic=3", HighatomicVariant.May2026));
        Assert.Contains("cap", ex.Message);
    }
}
