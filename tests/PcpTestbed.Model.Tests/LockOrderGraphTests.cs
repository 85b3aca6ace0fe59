using PcpTestbed.Model.Sync;

namespace PcpTestbed.Model.Tests;

/// <summary>
/// lockdep's dependency graph: each nesting is recorded with both acquisition sites; the first nesting of two classes
/// that closes a cycle is reported with the sites of both orders; a nesting seen again is not reported twice; and a
/// graph seeded with earlier nestings reports the same inversion the same way.
/// </summary>
public class LockOrderGraphTests
{
    private static readonly HeldLock Pcp0AtAlloc = new(LockClass.Pcp, 0, LockSite.PcpAlloc);
    private static readonly HeldLock ZoneAtFreeBulk = new(LockClass.Zone, 0, LockSite.FreeBulk);

    [Fact]
    public void Nestings_in_one_order_are_recorded_with_both_sites_and_counted()
    {
        var g = new LockOrderGraph();

        Assert.Null(g.Record(0, Pcp0AtAlloc, LockClass.Zone, 0, LockSite.Refill));
        Assert.Null(g.Record(1, new HeldLock(LockClass.Pcp, 1, LockSite.PcpAlloc), LockClass.Zone, 0, LockSite.Refill));

        var e = Assert.Single(g.Edges());
        Assert.Equal(new LockOrderEdge("pcp->lock", "rmqueue_pcplist", "zone->lock", "rmqueue_bulk", 0, 0, 2), e);
    }

    [Fact]
    public void The_reverse_order_is_a_possible_circular_locking_dependency_naming_both_orders_sites()
    {
        var g = new LockOrderGraph();
        g.Record(0, Pcp0AtAlloc, LockClass.Zone, 0, LockSite.Refill);

        var report = g.Record(2, ZoneAtFreeBulk, LockClass.Pcp, 1, LockSite.PcpDrain);

        Assert.Equal("possible circular locking dependency detected: CPU 2 takes pcp->lock#1 at drain_pages_zone while holding zone->lock " +
                     "taken at free_pcppages_bulk, but the reverse order was seen before: CPU 0 took zone->lock at rmqueue_bulk while holding " +
                     "pcp->lock taken at rmqueue_pcplist", report);
        Assert.Null(g.Record(2, ZoneAtFreeBulk, LockClass.Pcp, 1, LockSite.PcpDrain));
        Assert.Equal(2, g.Edges().Count);
    }

    [Fact]
    public void The_same_classes_nested_at_other_sites_in_the_same_order_are_no_inversion()
    {
        var g = new LockOrderGraph();
        g.Record(0, Pcp0AtAlloc, LockClass.Zone, 0, LockSite.Refill);

        Assert.Null(g.Record(0, new HeldLock(LockClass.Pcp, 0, LockSite.PcpDrain), LockClass.Zone, 0, LockSite.Drain));
        Assert.Equal(2, g.Edges().Count);
    }

    [Fact]
    public void A_graph_seeded_with_the_edges_before_an_iteration_reports_that_iterations_inversion_alike()
    {
        var original = new LockOrderGraph { Iteration = 1 };
        original.Record(0, Pcp0AtAlloc, LockClass.Zone, 0, LockSite.Refill);
        original.Iteration = 2;
        var expected = original.Record(1, ZoneAtFreeBulk, LockClass.Pcp, 0, LockSite.PcpDrain);

        var replay = new LockOrderGraph();
        Assert.True(replay.TrySeed(original.EdgesBefore(2)));
        var again = replay.Record(1, ZoneAtFreeBulk, LockClass.Pcp, 0, LockSite.PcpDrain);

        Assert.NotNull(expected);
        Assert.Equal(expected, again);
    }

    [Fact]
    public void A_seed_naming_an_unknown_site_is_refused()
    {
        var g = new LockOrderGraph();

        Assert.False(g.TrySeed([new LockOrderEdge("pcp->lock", "nowhere", "zone->lock", "rmqueue_bulk", 0, 1, 1)]));
    }
}
