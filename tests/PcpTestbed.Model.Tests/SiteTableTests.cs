using PcpTestbed.Model.Sync;

namespace PcpTestbed.Model.Tests;

/// <summary>
/// The site table: every access site has a stable, distinct, readable name ("kernel_function:what"); every point site
/// (access and lock sites in one numbering) has a name; locations print the object they stand for.
/// </summary>
public class SiteTableTests
{
    [Fact]
    public void Every_access_site_has_a_distinct_kernel_function_and_what_name()
    {
        var names = AccessSites.All.Select(AccessSites.Name).ToArray();

        Assert.Equal(Enum.GetValues<AccessSite>().Length, names.Length);
        Assert.Equal(names.Length, names.Distinct(StringComparer.Ordinal).Count());
        Assert.All(names, n => Assert.Matches(@"^[a-z_]+:[a-z_]+$", n));
    }

    [Fact]
    public void No_access_site_exists_only_on_an_injected_bugs_path()
    {
        // A bug must be found through the correct code's points: a point placed inside a bug's racy window would make
        // it findable where the same mistake made by hand would not be. Such sites carried the bug's name in brackets.
        Assert.DoesNotContain(AccessSites.All.Select(AccessSites.Name), n => n.Contains('['));
        Assert.DoesNotContain(Enum.GetNames<AccessSite>(), n => n.StartsWith("Bug", StringComparison.Ordinal));
    }

    [Fact]
    public void A_name_parses_back_to_its_site()
    {
        foreach (var site in AccessSites.All)
        {
            Assert.True(AccessSites.TryParse(AccessSites.Name(site), out var back));
            Assert.Equal(site, back);
        }

        Assert.False(AccessSites.TryParse("no_such:site", out _));
    }

    [Fact]
    public void Point_sites_number_access_sites_then_lock_sites()
    {
        Assert.Equal(AccessSites.Count + LockSites.Count, PointSites.Count);
        Assert.Equal("zone_watermark_fast:vm_stat", PointSites.Name(PointSites.Of(AccessSite.WatermarkCheck)));
        Assert.Equal("lock:rmqueue_bulk", PointSites.Name(PointSites.Of(LockSite.Refill)));
        Assert.True(PointSites.IsLockSite(PointSites.Of(LockSite.PcpAlloc)));
        Assert.False(PointSites.IsLockSite(PointSites.Of(AccessSite.Scenario)));
    }

    [Theory]
    [InlineData(LocationKind.PcpCount, 1, "pcp#1.count")]
    [InlineData(LocationKind.PageblockWord, 3, "pageblock#3")]
    [InlineData(LocationKind.Page, 31, "page#0x1f")]
    [InlineData(LocationKind.PcpRemoteFreeHead, 0, "pcp#0.remote_free_head")]
    [InlineData(LocationKind.ZoneCounters, 0, "zone.vm_stat")]
    public void A_location_is_named_for_the_object_it_stands_for(LocationKind kind, int index, string name) =>
        Assert.Equal(name, new SharedLocation(kind, index).Name);

    [Fact]
    public void A_pageblock_location_is_the_block_of_the_pfn()
    {
        Assert.Equal(new SharedLocation(LocationKind.PageblockWord, 2), SharedLocation.PageblockOf(2 * PageAlloc.PageblockNrPages + 7));
    }
}
