using PcpTestbed.Coyote.Repro;
using PcpTestbed.Designs;
using PcpTestbed.Model;
using PcpTestbed.Model.Layout;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote.Tests;

/// <summary>
/// The ballast: a reproduction file carries what the run's zone held at the window's start, and the rebuilt state holds it
/// again before the window's operations, so the window meets the run's free memory, not a near-empty zone's.
/// </summary>
public class ReproBallastTests
{
    [Fact]
    public void The_rebuilt_state_holds_at_the_windows_start_what_the_runs_zone_held()
    {
        var (holdings, standIn) = RunZoneHoldings();
        var file = Build(holdings, standIn);

        var zone = SetupOnly(file);

        var now = ZoneHoldings.Take(zone);
        Assert.Equal(holdings.HeldPages, now.HeldPages);

        // Every held chunk but the stand-in is allocated at its pfn, order and migratetype; the stand-in's order is held elsewhere.
        var chunks = Chunks(holdings).ToList();
        var rebuilt = Chunks(now).ToHashSet();
        Assert.All(chunks.Where(c => c.Pfn != standIn), c => Assert.Contains(c, rebuilt));
        Assert.Equal(chunks.Count(c => c.Order == 3), rebuilt.Count(c => c.Order == 3));
        Assert.Equal(holdings.BlockTypes, now.BlockTypes);
        Assert.Equal(holdings.NrReservedHighatomic, now.NrReservedHighatomic);
        Assert.Equal(holdings.NrFreePages + holdings.PcpPages, now.NrFreePages + now.PcpPages);
    }

    [Fact]
    public void A_page_the_window_frees_that_the_checkpoint_did_not_hold_takes_the_place_of_a_held_chunk_of_its_order()
    {
        // The ring overwrote the window's start: the page was allocated after the checkpoint, at a pfn free there (the zone's last order-3 chunk).
        var (holdings, _) = RunZoneHoldings();
        var late = (256L << 20) / 4096 - 8;
        Assert.DoesNotContain(Chunks(holdings), c => c.Pfn == late);

        var zone = SetupOnly(Build(holdings, late));

        var now = ZoneHoldings.Take(zone);
        Assert.Equal(holdings.HeldPages, now.HeldPages);
        Assert.Equal(Chunks(holdings).Count(c => c.Order == 3), Chunks(now).Count(c => c.Order == 3));

    }

    [Fact]
    public void A_file_without_holdings_rebuilds_only_the_pages_the_window_frees()
    {
        var (holdings, standIn) = RunZoneHoldings();
        var file = Build(holdings, standIn) with { Holdings = null };

        var zone = SetupOnly(file);

        // The stand-in alone (order 3), through a CPU's PCP: a refill leaves the rest of its batch on the PCP, not held.
        Assert.Equal(8, ZoneHoldings.Take(zone).HeldPages);
    }

    [Fact]
    public void Holdings_survive_the_file_and_a_file_without_them_still_loads()
    {
        var (holdings, standIn) = RunZoneHoldings();
        var loaded = TestReproFiles.RoundTrip(Build(holdings, standIn));
        Assert.Equal(holdings.Held, loaded.Holdings!.Held);
        Assert.Equal(holdings.BlockTypes, loaded.Holdings.BlockTypes);
        Assert.Equal(holdings.NrReservedHighatomic, loaded.Holdings.NrReservedHighatomic);
        Assert.Equal(standIn, loaded.Pages.Single().Pfn);

        loaded = TestReproFiles.RoundTrip(Build(holdings, standIn) with { Holdings = null, Pages = [new ReproPage(0, 0, 3)] });
        Assert.Null(loaded.Holdings);
        Assert.Null(loaded.Pages.Single().Pfn);
    }

    [Fact]
    public void Holdings_that_do_not_fit_the_zone_are_refused()
    {
        var (holdings, standIn) = RunZoneHoldings();
        var fewBlocks = Build(holdings with { BlockTypes = [.. holdings.BlockTypes.Skip(1)] }, standIn);
        Assert.Contains("block types for a zone of 128 blocks", Assert.Throws<ReproFormatException>(() => TestReproFiles.RoundTrip(fewBlocks)).Message);

        var outside = Build(holdings with { Held = [new HeldChunks(1 << 20, 0, 1, 1)] }, standIn);
        Assert.Contains("bad held-chunk entry", Assert.Throws<ReproFormatException>(() => TestReproFiles.RoundTrip(outside)).Message);
    }

    /// <summary>
    /// A 256M zone (128 blocks; a smaller one has no highatomic reserve: 1 % of it is under a block) as a run might leave it: order-0 and order-3 chunks held in a few blocks, one block claimed
    /// as unmovable, one reserved as highatomic. Returns its holdings and the absolute pfn of one order-3 chunk the window
    /// will free (the stand-in).
    /// </summary>
    private static (ZoneHoldings Holdings, long StandIn) RunZoneHoldings()
    {
        var zone = ZoneBuilder.Build(ZoneSpec.Parse("256M"));
        DirectExecution.Seize(ref zone.Lock, cpu: 0);

        // A first page splits a block, which a fallback then claims for unmovable requests; a second splits another, which
        // becomes the highatomic reserve.
        var first = Take(zone, 0, MigrateType.Movable);
        zone.MoveFreepagesBlock(first, MigrateType.Movable, MigrateType.Unmovable);
        Assert.True(zone.ReserveHighatomicPageblockLocked(Take(zone, 0, MigrateType.Movable), 0));
        long standIn = -1;
        for (var i = 0; i < 600; i++)
        {
            var (order, mt) = i % 5 == 0 ? (3, MigrateType.Movable) : (0, i % 3 == 0 ? MigrateType.Unmovable : MigrateType.Movable);
            var pfn = Take(zone, order, mt);
            standIn = order == 3 && i > 300 && standIn < 0 ? zone.AbsolutePfn(pfn) : standIn;
        }

        DirectExecution.Release(ref zone.Lock);
        var holdings = ZoneHoldings.Take(zone);
        Assert.Contains(MigrateType.Unmovable, holdings.BlockTypes.Select(t => (MigrateType)t));
        Assert.Equal(PageAlloc.PageblockNrPages, holdings.NrReservedHighatomic);
        return (holdings, standIn);
    }

    /// <summary>__rmqueue_smallest() and prep_new_page(): a chunk of <paramref name="mt"/>'s lists, allocated.</summary>
    private static int Take(Zone zone, int order, MigrateType mt)
    {
        var pfn = zone.RmqueueSmallest(order, mt);
        Assert.True(pfn >= 0);
        zone.PrepNewPage(pfn, order, mt);
        return pfn;
    }

    /// <summary>A mainline file whose window, on CPU 0, frees the order-3 stand-in and allocates a page.</summary>
    private static ReproFile Build(ZoneHoldings holdings, long standIn) => TestReproFiles.TwoCpus("mainline", "256M", TestReproFiles.FreeThenAllocate(standIn, 3), holdings);

    private static IEnumerable<(long Pfn, int Order, int Migratetype)> Chunks(ZoneHoldings h) =>
        h.Held.SelectMany(r => Enumerable.Range(0, r.Count).Select(i => (r.Pfn + ((long)i << r.Order), r.Order, r.Migratetype)));

    private static Zone SetupOnly(ReproFile file) => ReproSetup.Run(file, window: 1 << 20).Zone;
}
