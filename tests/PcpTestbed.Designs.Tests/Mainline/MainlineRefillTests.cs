using PcpTestbed.Designs.Tests.Support;
using PcpTestbed.Model;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs.Tests.Mainline;

/// <summary>KERNEL.md §5 refill sizing (nr_pcp_alloc()) and §7.7 rmqueue_bulk() locking, on the mainline design.</summary>
public class MainlineRefillTests
{
    // A 1 GiB zone: batch 63; low watermark 1286 pages, so with 4 CPUs high_min = 321 and high_max = 32768 / 4 = 8192.
    private const string GigZone = "1G";

    /// <summary>Allocates order-0 pages until one refill has happened and its pages are all handed out; returns the refill's pages.</summary>
    private static long RunOneRefill(Rig rig, int cpu, Gfp gfp = Rig.Movable)
    {
        var before = rig.A.Stats();
        rig.Alloc(cpu, gfp);
        var after = rig.A.Stats();
        Assert.Equal(before.Refills + 1, after.Refills);
        var refill = after.RefillPages - before.RefillPages;
        Assert.Equal(refill - 1, rig.A.PcpCount(cpu));

        rig.AllocMany(cpu, (int)refill - 1, gfp);
        Assert.Equal(after.Refills, rig.A.Stats().Refills);
        Assert.Equal(0, rig.A.PcpCount(cpu));
        return refill;
    }

    [Fact]
    public void Pcp_sizing_follows_zone_batchsize_and_zone_highsize()
    {
        var rig = new Rig(DesignKind.Mainline, GigZone, cpus: 4);
        var expected = PcpSizing.Derive(rig.Zone.ManagedPages, rig.Zone.WmarkPages(WatermarkKind.Low), 4);

        var pcp = rig.A.Pcp(0);

        Assert.Equal(63, pcp.Batch);
        Assert.Equal(expected.Batch, pcp.Batch);
        Assert.Equal(Math.Max(rig.Zone.WmarkPages(WatermarkKind.Low) / 4, 4 * 63), pcp.HighMin);
        Assert.Equal(Math.Max(rig.Zone.ManagedPages / 8 / 4, 4 * 63), pcp.HighMax);
        Assert.Equal(321, pcp.HighMin);
        Assert.Equal(8192, pcp.HighMax);
        rig.AssertAuditClean();
    }

    [Fact]
    public void Order0_refills_double_with_alloc_factor_up_to_5_and_each_grows_high_by_its_batch_until_high_max()
    {
        var rig = new Rig(DesignKind.Mainline, GigZone, cpus: 4);
        int[] refills = [63, 126, 252, 504, 1008, 2016, 2016, 2016];
        int[] highs = [384, 510, 762, 1266, 2274, 4290, 6306, 8192];
        int[] factors = [1, 2, 3, 4, 5, 5, 5, 5];

        for (var i = 0; i < refills.Length; i++)
        {
            var refill = RunOneRefill(rig, 0);

            Assert.Equal(refills[i], refill);
            Assert.Equal(highs[i], rig.A.Pcp(0).High);
            Assert.Equal(factors[i], rig.A.Pcp(0).AllocFactor);
        }

        rig.AssertAuditClean();
    }

    [Fact]
    public void Under_zone_below_high_order0_refills_do_not_grow_high_and_are_capped_at_high_minus_count_minus_batch()
    {
        var rig = new Rig(DesignKind.Mainline, GigZone, cpus: 4);

        // 100 unmovable pages on CPU 0's PCP count against the cap of the movable refills.
        var unmovable = rig.AllocMany(1, 100, Rig.Unmovable);
        rig.Zone.SetFlag(ZoneFlags.BelowHigh);
        rig.FreeMany(0, unmovable);
        Assert.Equal(100, rig.A.PcpCount(0));
        Assert.Equal(0, rig.A.Pcp(0).AllocFactor);

        // max(high - count - batch, batch) = 321 - 100 - 63 = 158 once batch << alloc_factor exceeds it.
        int[] refills = [63, 126, 158, 158];
        int[] factors = [1, 2, 2, 2];
        for (var i = 0; i < refills.Length; i++)
        {
            var before = rig.A.Stats().RefillPages;
            rig.Alloc(0);
            Assert.Equal(refills[i], rig.A.Stats().RefillPages - before);
            Assert.Equal(321, rig.A.Pcp(0).High);
            Assert.Equal(factors[i], rig.A.Pcp(0).AllocFactor);
            rig.AllocMany(0, refills[i] - 1);
            Assert.Equal(100, rig.A.PcpCount(0));
        }

        Assert.True(rig.Zone.TestFlag(ZoneFlags.BelowHigh));
        rig.AssertAuditClean();
    }

    [Theory]
    [InlineData(GigZone, 1, 31)]
    [InlineData(GigZone, 2, 15)]
    [InlineData(GigZone, 3, 7)]
    [InlineData(GigZone, 9, 2)]
    [InlineData("64M", 1, 2)] // batch 3: 3 >> 1 = 1, raised to the floor of 2
    [InlineData("64M", 2, 2)]
    [InlineData("64M", 3, 2)]
    [InlineData("64M", 9, 2)]
    public void High_order_refills_take_batch_shifted_by_order_at_least_2_chunks_and_grow_high_by_batch(string spec, int order, int chunks)
    {
        var rig = new Rig(DesignKind.Mainline, spec, cpus: 4);
        var start = rig.A.Pcp(0);

        rig.Alloc(0, Rig.Movable, order);

        var stats = rig.A.Stats();
        Assert.Equal(1, stats.Refills);
        Assert.Equal((long)chunks << order, stats.RefillPages);
        Assert.Equal((chunks - 1) << order, rig.A.PcpCount(0));
        Assert.Equal(start.HighMin + start.Batch, rig.A.Pcp(0).High);
        Assert.Equal(0, rig.A.Pcp(0).AllocFactor);
        rig.AssertAuditClean();
    }

    [Fact]
    public void Rmqueue_bulk_takes_zone_lock_once_per_refill_and_appends_pages_in_physical_order()
    {
        var rig = new Rig(DesignKind.Mainline, GigZone, cpus: 4);
        var pindex = PageAlloc.OrderToPindex(MigrateType.Movable, 0);

        for (var refill = 0; refill < 4; refill++)
        {
            rig.Log.Clear();
            var before = rig.A.Stats().RefillPages;
            var first = rig.Rel(rig.Alloc(0));
            var pages = (int)(rig.A.Stats().RefillPages - before);

            Assert.Equal(1, rig.Log.Acquisitions(LockClass.Zone));
            Assert.Equal(1, rig.Log.Acquisitions(LockClass.Zone, LockSite.Refill));

            // The refill's first page was handed out; the rest sit head to tail in ascending pfn order.
            var list = rig.PcpList(0, pindex);
            Assert.Equal(pages - 1, list.Count);
            Assert.Equal(Enumerable.Range(first + 1, pages - 1), list);
            rig.AllocMany(0, pages - 1);
        }

        rig.AssertAuditClean();
    }
}
