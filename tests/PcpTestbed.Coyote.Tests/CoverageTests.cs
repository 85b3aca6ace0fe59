using PcpTestbed.Coyote;
using PcpTestbed.Designs;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote.Tests;

/// <summary>
/// Coverage (issue 14, item 8): each exploration counts the scheduling-point sites its schedules reached, the pairs of
/// sites seen adjacent on different CPUs, the sites of the site table no iteration reached, and the lock acquisitions
/// by class and site; and it returns lockdep's lock-order graph.
/// </summary>
public sealed class CoverageTests : ControlledTest
{
    [Fact]
    public void The_canary_reaches_its_one_site_twice_per_iteration_once_after_the_other_cpu()
    {
        var r = Explore(Catalog.CanaryScenario, DesignKind.Mainline, InjectedBug.None, 100);

        var site = Assert.Single(r.Coverage.Sites);
        Assert.Equal(new SiteCount("scenario:racy_access", 2L * r.Iterations), site);
        Assert.Equal(new SitePairCount("scenario:racy_access", "scenario:racy_access", r.Iterations), Assert.Single(r.Coverage.Pairs));
        Assert.Equal(PointSites.Count - 1, r.Coverage.Unreached.Count);
        Assert.Empty(r.Coverage.Locks);
    }

    [Fact]
    public void Reached_and_unreached_sites_partition_the_site_table()
    {
        var r = Explore("remote-free-vs-drain", DesignKind.PageblockLockFree, InjectedBug.None, 50);

        var all = r.Coverage.Sites.Select(s => s.Site).Concat(r.Coverage.Unreached).ToArray();
        Assert.Equal(PointSites.Count, all.Length);
        Assert.Equal(Enumerable.Range(0, PointSites.Count).Select(PointSites.Name).Order(StringComparer.Ordinal), all.Order(StringComparer.Ordinal));
        Assert.Contains(r.Coverage.Sites, s => s.Site == "remote_free_push:cmpxchg_head");
        Assert.Contains(r.Coverage.Sites, s => s.Site == "lock:drain_pages_zone");
        Assert.Contains("reserve_highatomic_pageblock:nr_reserved", r.Coverage.Unreached);
        Assert.All(r.Coverage.Pairs, p =>
        {
            Assert.Contains(r.Coverage.Sites, s => s.Site == p.First);
            Assert.Contains(r.Coverage.Sites, s => s.Site == p.Second);
        });
    }

    [Fact]
    public void Lock_acquisitions_are_counted_by_class_and_site_and_the_lock_order_names_both_sites()
    {
        var r = Explore("drain-all-vs-alloc", DesignKind.Mainline, InjectedBug.None, 50);

        Assert.Contains(r.Coverage.Locks, l => l is { Lock: "pcp->lock", Site: "drain_pages_zone" } && l.Count > 0);
        Assert.Contains(r.Coverage.Locks, l => l is { Lock: "zone->lock", Site: "free_pcppages_bulk:drain" } && l.Count > 0);
        Assert.Contains(r.LockOrder, e => e is { Outer: "pcp->lock", OuterSite: "drain_pages_zone", Inner: "zone->lock", InnerSite: "free_pcppages_bulk:drain" });
        Assert.DoesNotContain(r.LockOrder, e => e.Outer == "zone->lock");
    }
}
