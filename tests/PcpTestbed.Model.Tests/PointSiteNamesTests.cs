using PcpTestbed.Model.Sync;

namespace PcpTestbed.Model.Tests;

/// <summary>
/// Site names to points (<see cref="PointSites.Named"/>), the one lookup a run's <c>--irq-site</c> and a reproduction
/// file's interrupts both read: a name stands for every point of that name, and an unknown name is the first one given.
/// </summary>
public class PointSiteNamesTests
{
    [Fact]
    public void A_name_stands_for_every_point_of_that_name_and_no_other()
    {
        var names = new[] { "free_unref_page:pageblock_owner", "lock:free_pcppages_bulk" };

        var points = PointSites.Named(names, out var unknown);

        Assert.NotNull(points);
        Assert.Null(unknown);
        Assert.True(points[PointSites.Of(AccessSite.FreeBlockOwner)]);
        Assert.All(Enumerable.Range(0, PointSites.Count), id => Assert.Equal(names.Contains(PointSites.Name(id)), points[id]));
    }

    [Fact]
    public void The_first_unknown_name_is_named_and_no_points_are_given()
    {
        Assert.Null(PointSites.Named(["lock:free_pcppages_bulk", "nowhere", "elsewhere"], out var unknown));
        Assert.Equal("nowhere", unknown);
    }

    [Fact]
    public void No_names_stand_for_no_points()
    {
        Assert.All(PointSites.Named([], out _)!, Assert.False);
    }
}
