using PcpTestbed.Model.Layout;
using static PcpTestbed.Model.Tests.TestZones;

namespace PcpTestbed.Model.Tests;

/// <summary>free_pages_prepare()'s checks: misuse throws BadPageException naming the pfn and reason, and changes nothing.</summary>
public class MisuseTests
{
    private const int Start = 0x100000;

    /// <summary>
    /// A 4 MiB zone at pfn 0x100000 holding allocated chunks: order 3 at 0, order 0 at 8 and 9 (relative pfns).
    /// The order-0 chunk at 10 was allocated and freed again; its buddy 11 is allocated, so it stays a free head.
    /// </summary>
    private static Zone ZoneWithChunks()
    {
        var zone = ZoneBuilder.Build(ZoneSpec.Parse("4M") with { StartPfn = Start });
        Assert.Equal(0, zone.Alloc(3, MigrateType.Movable));
        Assert.Equal(8, zone.Alloc(0, MigrateType.Movable));
        Assert.Equal(9, zone.Alloc(0, MigrateType.Movable));
        Assert.Equal(10, zone.Alloc(0, MigrateType.Movable));
        Assert.Equal(11, zone.Alloc(0, MigrateType.Movable));
        zone.Free(10, 0);
        Assert.Equal(PageState.Buddy, zone.Pages[10].State);
        return zone;
    }

    private static void AssertRefused(Zone zone, long absolutePfn, int order, BadPageReason reason)
    {
        var before = ZoneSnapshot.Take(zone);

        var ex = Assert.Throws<BadPageException>(() => zone.ValidateFree(absolutePfn, order));

        Assert.Equal(reason, ex.Reason);
        Assert.Equal(absolutePfn, ex.Pfn);
        Assert.Equal(order, ex.Order);
        Assert.Contains($"pfn:{absolutePfn:x}", ex.Message);
        ZoneSnapshot.Take(zone).AssertSameAs(before);
        AssertAuditClean(zone);
    }

    [Fact]
    public void Freeing_a_free_chunk_again_is_a_double_free()
    {
        AssertRefused(ZoneWithChunks(), Start + 10, 0, BadPageReason.DoubleFree);
    }

    [Fact]
    public void Freeing_a_page_on_a_pcp_list_is_a_double_free()
    {
        var zone = ZoneWithChunks();
        zone.Pages[9].State = PageState.Pcp; // as a PCP design leaves a cached page
        var before = ZoneSnapshot.Take(zone);

        var ex = Assert.Throws<BadPageException>(() => zone.ValidateFree(Start + 9, 0));

        Assert.Equal(BadPageReason.DoubleFree, ex.Reason);
        ZoneSnapshot.Take(zone).AssertSameAs(before);
        // No clean audit: without a PCP design to claim it, the auditor reports the PCP page (AuditorTests).
    }

    [Theory]
    [InlineData(4, 2)] // the upper half of the order-3 chunk, aligned for order 2
    [InlineData(1, 0)]
    [InlineData(7, 0)]
    public void Freeing_a_tail_page_inside_an_allocated_chunk_is_refused_as_not_allocated(int pfn, int order)
    {
        AssertRefused(ZoneWithChunks(), Start + pfn, order, BadPageReason.NotAllocated);
    }

    [Theory]
    [InlineData(0, 2)]
    [InlineData(0, 0)]
    [InlineData(8, 1)]
    public void Freeing_a_chunk_at_another_order_than_it_was_allocated_is_refused(int pfn, int order)
    {
        AssertRefused(ZoneWithChunks(), Start + pfn, order, BadPageReason.WrongOrder);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    public void An_order_outside_0_to_max_page_order_is_refused(int order)
    {
        AssertRefused(ZoneWithChunks(), Start, order, BadPageReason.OrderOutOfRange);
    }

    [Theory]
    [InlineData(Start - 1)]
    [InlineData(Start + 2 * Block)]
    [InlineData(0)]
    [InlineData(long.MaxValue)]
    public void A_pfn_outside_the_zone_is_refused(long absolutePfn)
    {
        AssertRefused(ZoneWithChunks(), absolutePfn, 0, BadPageReason.OutsideZone);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(4, 3)]
    [InlineData(512, 10)]
    public void A_pfn_not_aligned_to_the_order_is_refused(int pfn, int order)
    {
        AssertRefused(ZoneWithChunks(), Start + pfn, order, BadPageReason.Misaligned);
    }

    [Fact]
    public void Freeing_a_page_that_is_free_inside_a_larger_merged_chunk_is_refused_as_not_allocated()
    {
        // The second free of 9 finds a tail of the merged free chunk at 8, not a free head: the model reports NotAllocated.
        var zone = ZoneWithChunks();
        zone.Free(8, 0);
        zone.Free(9, 0);
        Assert.Equal(PageState.Tail, zone.Pages[9].State);

        AssertRefused(zone, Start + 9, 0, BadPageReason.NotAllocated);
    }

    [Fact]
    public void Freeing_a_reserved_page_is_refused_as_not_allocated()
    {
        var free = new long[MigrateTypes.Count, PageAlloc.NrPageOrders];
        var blocks = new int[MigrateTypes.Count];
        blocks[(int)MigrateType.Movable] = 1;
        var zone = ZoneBuilder.BuildImage(new ZoneImage
        {
            Name = "reserved",
            BlockCounts = blocks,
            FreeChunks = free,
            ManagedPages = Block - 1,
            Watermarks = new Watermarks(1, 2, 3, 4),
        });
        var reserved = Array.FindIndex(zone.Pages, p => p.State == PageState.Reserved);
        Assert.Equal(Block - 1, reserved);

        AssertRefused(zone, zone.AbsolutePfn(reserved), 0, BadPageReason.NotAllocated);
    }

    [Fact]
    public void A_valid_free_returns_the_zone_relative_pfn_and_changes_nothing_by_itself()
    {
        var zone = ZoneWithChunks();
        var before = ZoneSnapshot.Take(zone);

        Assert.Equal(8, zone.ValidateFree(Start + 8, 0));

        ZoneSnapshot.Take(zone).AssertSameAs(before);
        AssertAuditClean(zone);
    }
}
