using PcpTestbed.Designs.Tests.Support;
using PcpTestbed.Model;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs.Tests.Mainline;

/// <summary>KERNEL.md §5 drains: drain_pages_zone() in chunks, drain_all_pages(), decay_pcp_high().</summary>
public class MainlineDrainTests
{
    [Fact]
    public void Drain_pages_zone_frees_in_chunks_of_batch_shifted_by_scale_max_one_pcp_lock_hold_each()
    {
        // 1 GiB, 4 CPUs: batch 63, so chunks of 2016 pages.
        var rig = new Rig(DesignKind.Mainline, "1G");
        var pages = rig.AllocMany(0, 3970); // seven refills, the last leaving 2015 pages
        rig.FreeMany(0, pages.Take(3000)); // below high (6306): no bulk free
        Assert.Equal(0, rig.A.Stats().BulkFrees);
        var count = rig.A.PcpCount(0);
        Assert.Equal(5015, count);
        var chunk = rig.Batch << PageAlloc.PcpBatchScaleMax;
        rig.Log.Clear();

        rig.A.DrainAllPages(1);

        var rounds = (count + chunk - 1) / chunk;
        Assert.Equal(3, rounds);
        Assert.Equal(rounds, rig.Log.Acquisitions(LockClass.Pcp, LockSite.PcpDrain, cpu: 1, instance: 0));
        Assert.Equal(rounds, rig.Log.Acquisitions(LockClass.Zone, LockSite.Drain));
        Assert.Equal(0, rig.A.PcpCount(0));
        rig.AssertAuditClean();
    }

    [Fact]
    public void Free_pcppages_bulk_counts_pages_so_a_high_order_chunk_takes_its_pages_off_the_count()
    {
        // free_pcppages_bulk(): "count -= nr_pages" for each chunk taken: the count is in pages, as pcp->count is, not in
        // chunks. An order-2 refill leaves 14 chunks (56 pages) on the list; a bulk free of 8 pages takes 2 of them.
        var rig = new Rig(DesignKind.Mainline, "1G");
        rig.Alloc(0, Rig.Movable, 2);
        Assert.Equal(56, rig.A.PcpCount(0));
        var pindex = PageAlloc.OrderToPindex(MigrateType.Movable, 2);

        rig.SeizePcpLock(0, holder: 0);
        rig.A.FreePcppagesBulkForTest(0, count: 8, pindex);
        rig.ReleasePcpLock(0);

        Assert.Equal(48, rig.A.PcpCount(0));
        Assert.Equal(12, rig.PcpList(0, pindex).Count);
        rig.AssertAuditClean();
    }

    [Fact]
    public void Drain_all_pages_empties_every_online_pcp()
    {
        var rig = new Rig(DesignKind.Mainline);
        var held = new List<(long Pfn, int Order)>();
        for (var cpu = 0; cpu < 4; cpu++)
        {
            held.AddRange(rig.AllocMany(cpu, 10 + cpu).Select(p => (p, 0)));
            held.AddRange(rig.AllocMany(cpu, 2, Rig.Unmovable, 1).Select(p => (p, 1)));
        }

        Assert.All(Enumerable.Range(0, 4), cpu => Assert.True(rig.A.PcpCount(cpu) > 0));

        rig.A.DrainAllPages(2);

        Assert.All(Enumerable.Range(0, 4), cpu => Assert.Equal(0, rig.A.PcpCount(cpu)));
        Assert.Equal(rig.Zone.PresentPages - held.Sum(h => 1L << h.Order), rig.Zone.NrFreePages);
        rig.AssertAuditClean();

        foreach (var (pfn, order) in held)
        {
            rig.A.Free(0, pfn, order);
        }

        rig.A.DrainAllPages(0);
        Assert.Equal(rig.Zone.PresentPages, rig.Zone.NrFreePages);
        rig.AssertAuditClean();
    }

    [Fact]
    public void Decay_pcp_high_lowers_high_by_an_eighth_bounded_by_high_min_and_count_minus_a_full_drain_and_frees_the_excess()
    {
        // 1 GiB, 1 CPU: batch 63, high_min 1286, high_max 32768.
        var rig = new Rig(DesignKind.Mainline, "1G", cpus: 1);
        var pages = rig.AllocMany(0, 30000);
        rig.FreeMany(0, pages.Take(25000));
        Assert.Equal(0, rig.A.Stats().BulkFrees);
        var batch = rig.Batch;
        var highMin = rig.A.Pcp(0).HighMin;
        var bounds = new HashSet<string>();

        for (var step = 0; step < 100; step++)
        {
            var before = rig.A.Pcp(0);
            var nrFree = rig.Zone.NrFreePages;
            if (before.High <= highMin && before.Count <= before.High)
            {
                break;
            }

            var byEighth = before.High - (before.High >> 3);
            var byCount = before.Count - (batch << PageAlloc.PcpBatchScaleMax);
            var expectedHigh = Math.Max(Math.Max(byCount, byEighth), highMin);
            bounds.Add(expectedHigh == highMin ? "high_min" : expectedHigh == byCount ? "count" : "eighth");
            var expectedFreed = Math.Max(0, before.Count - expectedHigh);

            rig.A.DecayPcpHigh(0);

            var after = rig.A.Pcp(0);
            Assert.Equal(expectedHigh, after.High);
            Assert.Equal(before.Count - expectedFreed, after.Count);
            Assert.Equal(nrFree + expectedFreed, rig.Zone.NrFreePages);
        }

        Assert.Equal(highMin, rig.A.Pcp(0).High);
        Assert.Equal(["count", "eighth", "high_min"], bounds.Order());
        rig.AssertAuditClean();
    }
}
