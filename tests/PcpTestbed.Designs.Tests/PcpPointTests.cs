using PcpTestbed.Designs.Tests.Support;
using PcpTestbed.Model;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs.Tests;

/// <summary>
/// The designs' scheduling points (issue 14, items 2 and 3): every PCP list and count change is a write point on that
/// PCP, made with its lock held; a count update reads before its point and writes after it, so an update made in between
/// without the lock is lost, as it would be on hardware; the racy accesses the kernel makes without a lock (decay's
/// pcp->high, drain_all_pages()'s online mask and counts, zone_pcp_update()'s WRITE_ONCEs, zone flag bits) are points.
/// </summary>
public class PcpPointTests
{
    [Theory]
    [MemberData(nameof(Rig.AllDesigns), MemberType = typeof(Rig))]
    public void Taking_a_page_off_a_pcp_list_and_counting_it_are_write_points_on_that_pcp(DesignKind design)
    {
        var rig = new Rig(design);
        rig.Alloc(0);
        rig.Log.Clear();

        rig.Alloc(0);

        var (del, count) = design == DesignKind.Mainline
            ? (AccessSite.PcpAllocListDel, AccessSite.PcpAllocCount)
            : (AccessSite.PcpSmallestListDel, AccessSite.PcpSmallestCount);
        var points = rig.Log.Points.Where(p => p.Location.Kind is LocationKind.PcpLists or LocationKind.PcpCount).ToArray();
        Assert.Equal(new PointEvent(true, SharedLocation.PcpLists(0), del), points.First(p => p.Site == del));
        Assert.Equal(new PointEvent(true, SharedLocation.PcpCount(0), count), points.Last());
        rig.AssertAuditClean();
    }

    [Theory]
    [MemberData(nameof(Rig.AllDesigns), MemberType = typeof(Rig))]
    public void Every_pcp_list_and_count_point_is_made_with_that_pcps_lock_held(DesignKind design)
    {
        var rig = new Rig(design);
        var unheld = new List<PointEvent>();
        rig.Log.AtPoint = p =>
        {
            // Count reads are racy on purpose (drain_all_pages(), decay_pcp_high()); list points and count writes are not.
            if ((p.Location.Kind is LocationKind.PcpLists || (p.Write && p.Location.Kind is LocationKind.PcpCount)) &&
                !rig.Pcp(p.Location.Index).Lock.IsHeld)
            {
                unheld.Add(p);
            }
        };

        var pages = rig.AllocMany(0, 40);
        rig.FreeMany(1, pages.Take(20));
        rig.FreeBatch(0, pages.Skip(20).Take(10));
        rig.FreeMany(0, pages.Skip(30));
        rig.A.DecayPcpHigh(0);
        rig.A.DrainAllPages(2);

        Assert.Empty(unheld);
        rig.AssertAuditClean();
    }

    [Theory]
    [MemberData(nameof(Rig.AllDesigns), MemberType = typeof(Rig))]
    public void A_count_update_made_without_the_lock_between_the_counts_read_and_its_write_is_lost(DesignKind design)
    {
        var rig = new Rig(design);
        var pfn = rig.Alloc(0);
        var before = rig.Pcp(0).Count;

        // Another CPU adds 100 to pcp->count without the lock while CPU 0's free is between its read and its write.
        rig.Log.AtPoint = p =>
        {
            if (p.Site == AccessSite.FreeCommitCount)
            {
                rig.Pcp(0).Count += 100;
            }
        };
        rig.A.Free(0, pfn, 0);
        rig.Log.AtPoint = null;

        Assert.True(rig.Log.Points.Any(p => p.Site == AccessSite.FreeCommitCount), "the free made no count point");
        Assert.True(rig.Pcp(0).Count <= before + 1, $"count {rig.Pcp(0).Count}: the unlocked update survived, so no point split the read from the write");
        rig.AssertAuditClean();
    }

    [Fact]
    public void Decay_writes_pcp_high_without_the_lock_at_a_write_point()
    {
        var rig = new Rig(DesignKind.Mainline);
        var pages = rig.AllocMany(0, 200);
        rig.FreeMany(0, pages);
        Assert.True(rig.Pcp(0).High > rig.Pcp(0).HighMin, $"setup: high {rig.Pcp(0).High} is not above high_min {rig.Pcp(0).HighMin}");
        rig.Log.Clear();
        var lockHeld = true;
        rig.Log.AtPoint = p => lockHeld &= p.Site != AccessSite.DecayPcpHigh || rig.Pcp(0).Lock.IsHeld;

        rig.A.DecayPcpHigh(0);

        Assert.Contains(new PointEvent(true, SharedLocation.PcpHigh(0), AccessSite.DecayPcpHigh), rig.Log.Points);
        Assert.False(lockHeld, "decay_pcp_high() writes pcp->high without pcp->lock, as the kernel does");
        rig.AssertAuditClean();
    }

    [Theory]
    [MemberData(nameof(Rig.AllDesigns), MemberType = typeof(Rig))]
    public void Zone_pcp_update_writes_every_pcps_sizing_at_a_write_point(DesignKind design)
    {
        var rig = new Rig(design);
        rig.Log.Clear();

        rig.A.CpuDead(3, 0);

        var writes = rig.Log.Points.Where(p => p.Site == AccessSite.PcpUpdatePageset).ToArray();
        Assert.Equal(Enumerable.Range(0, 4).Select(cpu => new PointEvent(true, SharedLocation.PcpSizing(cpu), AccessSite.PcpUpdatePageset)), writes);
        rig.AssertAuditClean();
    }

    [Theory]
    [MemberData(nameof(Rig.AllDesigns), MemberType = typeof(Rig))]
    public void Drain_all_pages_reads_each_cpus_online_bit_and_count_at_read_points(DesignKind design)
    {
        var rig = new Rig(design);

        rig.A.DrainAllPages(1);

        for (var cpu = 0; cpu < 4; cpu++)
        {
            Assert.Contains(new PointEvent(false, SharedLocation.CpuOnline(cpu), AccessSite.DrainAllPagesOnline), rig.Log.Points);
            Assert.Contains(new PointEvent(false, SharedLocation.PcpCount(cpu), AccessSite.DrainAllPagesCount), rig.Log.Points);
        }
    }

    [Theory]
    [MemberData(nameof(Rig.AllDesigns), MemberType = typeof(Rig))]
    public void An_allocation_that_finds_the_zone_below_high_sets_the_flag_at_a_write_point(DesignKind design)
    {
        var rig = new Rig(design, watermarks: new Watermarks(Min: 10, Low: 20, High: 1_000_000, Promo: 1_000_001));

        rig.Alloc(0);

        var flags = rig.Log.Points.Where(p => p.Location == SharedLocation.ZoneFlags).Take(2).ToArray();
        Assert.Equal(
            [
                new PointEvent(false, SharedLocation.ZoneFlags, AccessSite.AllocBelowHighTest),
                new PointEvent(true, SharedLocation.ZoneFlags, AccessSite.AllocBelowHighSet),
            ],
            flags);
        Assert.True(rig.Zone.TestFlag(ZoneFlags.BelowHigh));
    }

    [Theory]
    [MemberData(nameof(Rig.AllDesigns), MemberType = typeof(Rig))]
    public void A_refills_zone_free_list_operations_are_write_points_made_under_zone_lock(DesignKind design)
    {
        var rig = new Rig(design);
        var unlocked = 0;
        rig.Log.AtPoint = p => unlocked += p.Location.Kind == LocationKind.FreeArea && !rig.Zone.Lock.IsHeld ? 1 : 0;

        rig.Alloc(0);

        Assert.Contains(rig.Log.Points, p => p.Site == AccessSite.FreeListDel);
        Assert.Equal(0, unlocked);
    }
}
