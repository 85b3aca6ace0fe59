using PcpTestbed.Designs.Tests.Support;
using PcpTestbed.Model;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs.Tests.Pageblock;

/// <summary>
/// KERNEL.md §6 refill phases 2 and 3 on a fragmented zone (no free pageblock left): P2 takes
/// sub-pageblock chunks of the requested type without stealing, as cached (unowned) pages; P3 is
/// __rmqueue() with its claim and steal fallbacks. The zone is 1 GiB (batch 63) with zero watermarks,
/// filled with order-4 movable chunks of which every other one is freed: 8192 free pages, none mergeable.
/// </summary>
public class RefillPhaseTests
{
    private static int[] BlockTypeCounts(Zone zone)
    {
        var counts = new int[MigrateTypes.Count];
        foreach (var block in zone.Blocks)
        {
            counts[(int)block.MigrateType]++;
        }

        return counts;
    }

    [Theory]
    [MemberData(nameof(Rig.PageblockDesigns), MemberType = typeof(Rig))]
    public void Phase2_takes_sub_pageblock_chunks_of_the_requested_type_without_stealing_when_no_block_is_free(DesignKind design)
    {
        var rig = new Rig(design, "1G", cpus: 2, watermarks: Rig.TinyWatermarks);
        rig.Fragment(4);
        var types = BlockTypeCounts(rig.Zone);
        var before = rig.A.Stats();

        var pfn = rig.Alloc(1);

        var stats = rig.A.Stats();
        Assert.Equal(1, rig.Log.Acquisitions(LockClass.Zone));
        Assert.Equal(1, rig.Log.Acquisitions(LockClass.Zone, LockSite.Refill));

        // 63 pages wanted: order 6 covers it; nothing free there or at order 5; four order-4 chunks.
        Assert.Equal([0L, 0, 1, 0], stats.RefillsByPhase);
        Assert.Equal([0L, 0, 64, 0], stats.PagesByPhase);
        Assert.Equal(63, rig.A.PcpCount(1));
        Assert.Equal(-1, rig.Owner(rig.BlockOf(pfn)));
        Assert.Equal(MigrateType.Movable, rig.BlockType(pfn));
        for (var order = 0; order < 4; order++)
        {
            ref var piece = ref rig.Page(pfn + (1 << order));
            Assert.Equal(PageState.Pcp, piece.State); // cached for batching, not owned: no PCP buddy
            Assert.Equal(order, piece.Order);
        }

        Assert.Equal(before.Claims, stats.Claims);
        Assert.Equal(before.Steals, stats.Steals);
        Assert.Equal(types, BlockTypeCounts(rig.Zone));
        rig.AssertAuditClean();
    }

    [Theory]
    [MemberData(nameof(Rig.PageblockDesigns), MemberType = typeof(Rig))]
    public void Phase3_falls_back_to_rmqueue_which_claims_a_block_when_phase2_finds_nothing_of_the_type(DesignKind design)
    {
        var rig = new Rig(design, "1G", cpus: 2, watermarks: Rig.TinyWatermarks);
        rig.Fragment(4);
        var before = rig.A.Stats();

        var pfn = rig.Alloc(1, Rig.Unmovable);

        // The fast path's first pass runs under ALLOC_NOFRAGMENT: no whole block to claim, no stealing, so its
        // refill gets nothing (and raises alloc_factor). The retry without it claims, for batch << 1 = 126 pages.
        var stats = rig.A.Stats();
        Assert.Equal(2, stats.Refills);
        Assert.Equal(0, stats.RefillsByPhase[2]);
        Assert.Equal(1, stats.RefillsByPhase[3]);
        Assert.Equal(126, stats.PagesByPhase[3]);
        Assert.Equal(126, stats.RefillPages);
        Assert.Equal(0, stats.PagesByPhase[0] + stats.PagesByPhase[1] + stats.PagesByPhase[2]);

        // A movable block, half free and half movable, is claimed for unmovable: __rmqueue_claim().
        Assert.Equal(before.Claims + 1, stats.Claims);
        Assert.Equal(MigrateType.Unmovable, rig.BlockType(pfn));
        Assert.Equal(-1, rig.Owner(rig.BlockOf(pfn)));
        Assert.Equal(PageState.Pcp, rig.Page(pfn + 1).State);
        rig.AssertAuditClean();
    }
}
