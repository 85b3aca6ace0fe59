using PcpTestbed.Execution.Locking;
using PcpTestbed.Model.Sync;
using Xunit;

namespace PcpTestbed.Execution.Tests;

/// <summary><c>--irq-site</c>: injected interrupts land only at the points of the sites named.</summary>
public class InterruptSitesTests
{
    [Fact]
    public void An_interrupt_limited_to_sites_lands_at_their_points_only()
    {
        Assert.True(InterruptSites.TryParse(["free_unref_page:pageblock_owner", "lock:free_pcppages_bulk"], out var sites, out _));
        var probe = new HoldDelayProbe<NoLockProbe>(default, new HoldDelays(0, 0, IrqNs: 1000, IrqPercent: 100, IrqSites: sites));
        var owner = PointSites.Of(AccessSite.FreeBlockOwner);
        var other = PointSites.Of(AccessSite.WatermarkCheck);
        for (var i = 0; i < 100; i++)
        {
            Assert.True(probe.Lands(owner));
            Assert.False(probe.Lands(other));
        }

        var locks = Enumerable.Range(0, PointSites.Count).Where(p => PointSites.IsLockSite(p) && probe.Lands(p)).Select(PointSites.Name).Distinct().ToArray();
        Assert.Equal(["lock:free_pcppages_bulk"], locks);
    }

    [Fact]
    public void Without_sites_an_interrupt_may_land_at_any_point()
    {
        var probe = new HoldDelayProbe<NoLockProbe>(default, new HoldDelays(0, 0, IrqNs: 1000, IrqPercent: 100));
        Assert.All(Enumerable.Range(0, PointSites.Count), p => Assert.True(probe.Lands(p)));
    }

    [Fact]
    public void An_unknown_site_is_named()
    {
        Assert.False(InterruptSites.TryParse(["lock:free_pcppages_bulk", "nowhere"], out var sites, out var unknown));
        Assert.Null(sites);
        Assert.Equal("nowhere", unknown);
    }
}
