using PcpTestbed.Designs.Tests.Support;
using PcpTestbed.Model;

namespace PcpTestbed.Designs.Tests.Pageblock;

/// <summary>
/// As posted, phase 1 claims a whole block whenever a refill falls short, even past pcp->high. With
/// AllocatorConfig.PageblockRefillWithinHigh, phases 0 and 1 run only within the PCP's room
/// (pcp->high - pcp->count, at least the batch): where high cannot hold a pageblock, refills come from
/// phases 2 and 3 as in mainline.
/// </summary>
public class RefillRoomTests
{
    [Theory]
    [MemberData(nameof(Rig.PageblockDesigns), MemberType = typeof(Rig))]
    public void Within_high_phase1_claims_a_block_only_when_the_pcp_has_room_for_it(DesignKind design)
    {
        // 1G with 2 CPUs: the first refill's high (high_min 643 + batch 63) leaves room for 512 pages.
        var roomy = new Rig(design, "1G", cpus: 2, refillWithinHigh: true);
        roomy.Alloc(0);
        var (roomyHigh, roomyCount) = (roomy.A.Pcp(0).High, roomy.A.Pcp(0).Count);
        Assert.Equal(1, roomy.A.Stats().RefillsByPhase[1]);
        Assert.True(roomyHigh >= PageAlloc.PageblockNrPages, $"high {roomyHigh}");

        // 64M with 4 CPUs: high_max is 16384 / 8 / 4 = 512 and the first refill's high is 80 + 63 = 143.
        var cramped = new Rig(design, "64M", cpus: 4, refillWithinHigh: true);
        var pfn = cramped.Alloc(0);
        var high = cramped.A.Pcp(0).High;
        Assert.True(high < PageAlloc.PageblockNrPages, $"high {high}");

        var stats = cramped.A.Stats();
        Assert.Equal(0, stats.RefillsByPhase[0]);
        Assert.Equal(0, stats.RefillsByPhase[1]);
        Assert.True(stats.RefillsByPhase[2] + stats.RefillsByPhase[3] == 1, $"refill phases {string.Join(",", stats.RefillsByPhase)}");
        Assert.Equal(-1, cramped.Owner(cramped.BlockOf(pfn)));
        Assert.True(cramped.A.PcpCount(0) <= high, $"count {cramped.A.PcpCount(0)} above high {high}");
        Assert.True(roomyCount > 0);
        roomy.AssertAuditClean();
        cramped.AssertAuditClean();
    }

    [Theory]
    [MemberData(nameof(Rig.PageblockDesigns), MemberType = typeof(Rig))]
    public void As_posted_phase1_claims_a_whole_block_even_past_pcp_high(DesignKind design)
    {
        var rig = new Rig(design, "64M", cpus: 4);
        rig.Alloc(0);

        Assert.Equal(1, rig.A.Stats().RefillsByPhase[1]);
        Assert.True(rig.A.PcpCount(0) > rig.A.Pcp(0).High, $"count {rig.A.PcpCount(0)}, high {rig.A.Pcp(0).High}");
        rig.AssertAuditClean();
    }
}
