using PcpTestbed.Designs;
using PcpTestbed.Model;

namespace PcpTestbed.Highatomic.Tests;

/// <summary>
/// Test 5: unreserve_highatomic_pageblock() from the slow path of a blocking request that finds the zone
/// exhausted: unforced after direct reclaim made progress but produced no page, forced before OOM once
/// MAX_RECLAIM_RETRIES rounds made none. It keeps one block unless forced and relabels a released block
/// to the requested migratetype.
/// </summary>
public class UnreserveTests
{
    private const int MaxReclaimRetries = 16;

    [Theory]
    [InlineData(HighatomicVariant.Pre202603)]
    [InlineData(HighatomicVariant.May2026)]
    [InlineData(HighatomicVariant.V2)]
    [InlineData(HighatomicVariant.V3)]
    public void Reclaim_progress_without_a_page_releases_one_of_two_blocks_relabelled_to_the_requested_type(HighatomicVariant variant)
    {
        var reclaim = new ScriptedReclaim(_ => 32);
        var s = Exhausted("256M,highatomic=2@spread", variant, reclaim);
        var reserveBlocks = s.HighatomicBlocks();
        Assert.Equal(2, reserveBlocks.Count);

        var pfn = s.Allocate(0, Gfp.Kernel, 0);

        Assert.Equal(1, reclaim.Calls);
        Assert.Equal(1, s.Alloc.Stats().HighatomicUnreserveEvents);
        Assert.Equal(PageAlloc.PageblockNrPages, s.Zone.NrReservedHighatomic);
        Assert.Contains(s.BlockOf(pfn), reserveBlocks);
        Assert.Equal(MigrateType.Unmovable, s.BlockType(pfn));
        s.AssertWholeBlockAccounting();
        s.AssertAuditClean();
    }

    /// <summary>
    /// With one block left the unforced unreserve keeps it, reclaim progress or not; only after
    /// MAX_RECLAIM_RETRIES rounds without progress does should_reclaim_retry() force it; the released
    /// block is relabelled MOVABLE, the requested type, and its free pages let the request pass min.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_last_block_is_kept_until_the_unreserve_is_forced_after_MAX_RECLAIM_RETRIES(bool progressOnFirstCall)
    {
        var reclaim = new ScriptedReclaim(call => progressOnFirstCall && call == 1 ? 32 : 0);
        var s = Exhausted("256M,highatomic=1", HighatomicVariant.May2026, reclaim);
        var reserveBlock = Assert.Single(s.HighatomicBlocks());

        s.Allocate(0, Gfp.HighUserMovable, 0);

        // A round with progress resets the no-progress count; then MAX_RECLAIM_RETRIES + 1 rounds without.
        Assert.Equal((progressOnFirstCall ? 1 : 0) + MaxReclaimRetries + 1, reclaim.Calls);
        Assert.All(reclaim.ReservedAtCall, reserved => Assert.Equal(PageAlloc.PageblockNrPages, reserved));
        Assert.Equal(0, s.Zone.NrReservedHighatomic);
        Assert.Equal(1, s.Alloc.Stats().HighatomicUnreserveEvents);
        Assert.Equal(MigrateType.Movable, s.Zone.Blocks[reserveBlock].MigrateType);
        s.AssertWholeBlockAccounting();
        s.AssertAuditClean();
    }

    /// <summary>
    /// should_reclaim_retry() gives up at once when free plus reclaimable pages could never meet the min
    /// watermark: with nothing left to reclaim, the forced unreserve follows the first reclaim round.
    /// </summary>
    [Fact]
    public void With_nothing_reclaimable_the_forced_unreserve_follows_the_first_round()
    {
        var reclaim = new ScriptedReclaim(_ => 0, reclaimablePages: 0);
        var s = Exhausted("256M,highatomic=1", HighatomicVariant.May2026, reclaim);

        s.Allocate(0, Gfp.HighUserMovable, 0);

        Assert.Equal(1, reclaim.Calls);
        Assert.Equal(0, s.Zone.NrReservedHighatomic);
        Assert.Equal(1, s.Alloc.Stats().HighatomicUnreserveEvents);
        s.AssertWholeBlockAccounting();
        s.AssertAuditClean();
    }

    /// <summary>
    /// The keep-one-block rule counts pages, not blocks: when the two reserve blocks are buddies and merged
    /// into one free order-10 chunk, an unforced unreserve releases the chunk whole, size
    /// max(pageblock_nr_pages, 1 &lt;&lt; order), leaving no reserve, as the kernel does.
    /// </summary>
    [Fact]
    public void An_unforced_unreserve_of_a_merged_order10_reserve_chunk_releases_both_blocks()
    {
        var reclaim = new ScriptedReclaim(_ => 32);
        var s = Exhausted("256M,highatomic=2@start", HighatomicVariant.May2026, reclaim);
        Assert.False(s.Zone.FreeAreaEmpty(PageAlloc.MaxPageOrder, MigrateType.HighAtomic));

        s.Allocate(0, Gfp.Kernel, 0);

        Assert.Equal(1, reclaim.Calls);
        Assert.Equal(1, s.Alloc.Stats().HighatomicUnreserveEvents);
        Assert.Equal(0, s.Zone.NrReservedHighatomic);
        Assert.Empty(s.HighatomicBlocks());
        s.AssertAuditClean();
    }

    /// <summary>
    /// A zone whose normal lists hold half the min watermark (the reserve's free pages untouched): a
    /// GFP_KERNEL or GFP_HIGHUSER_MOVABLE request fails both watermark checks until the reserve shrinks.
    /// </summary>
    private static Scenario Exhausted(string spec, HighatomicVariant variant, ScriptedReclaim reclaim)
    {
        var s = Scenario.Create(spec, variant, reclaim: reclaim);
        reclaim.Zone = s.Zone;
        var normalLeft = s.Zone.WmarkPages(WatermarkKind.Min) / 2;
        s.FillTo(s.Zone.NrFreeHighatomic + normalLeft, Scenario.ExhausterGfp);
        Assert.Equal(0, s.Alloc.PcpCount(0));
        Assert.True(s.Zone.NrFreePages - s.Zone.NrFreeHighatomic <= s.Zone.WmarkPages(WatermarkKind.Min), "setup: the zone is not exhausted");
        Assert.Equal(0, reclaim.Calls);
        return s;
    }
}
