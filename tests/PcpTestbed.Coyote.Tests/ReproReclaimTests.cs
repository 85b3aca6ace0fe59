using PcpTestbed.Coyote.Repro;
using PcpTestbed.Model;
using PcpTestbed.Model.Layout;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote.Tests;

/// <summary>
/// The run's direct reclaim in a reproduction: the pages an allocation's reclaim freed on the run are freed by that
/// allocation's own direct reclaim, SWAP_CLUSTER_MAX at a time as the reclaim model frees them (as its pages, inside its
/// direct reclaim), and the rest at its end (as frees of their own, after it returned).
/// </summary>
public class ReproReclaimTests
{
    [Fact]
    public void An_allocations_direct_reclaim_frees_its_recorded_pages_a_cluster_at_a_time_and_its_end_the_rest()
    {
        var reclaim = new ReproReclaim(2);
        var freed = new List<(int Cpu, int Page)>();
        var inReclaim = new List<bool>();
        reclaim.Attach((cpu, page, reclaiming) =>
        {
            freed.Add((cpu, page.Page));
            inReclaim.Add(reclaiming);
            return page.Page != 5; // not allocated in this interleaving: no progress
        });
        reclaim.Begin(1, [.. Enumerable.Range(0, 40).Select(h => new ReproFolio(h, 0))]);

        Assert.Equal(PageAlloc.SwapClusterMax, reclaim.DirectReclaim(1, 0));
        Assert.Equal(Enumerable.Range(0, PageAlloc.SwapClusterMax + 1).Select(h => (1, h)), freed);
        Assert.All(inReclaim, Assert.True);
        Assert.Equal(40 - PageAlloc.SwapClusterMax - 1, reclaim.ReclaimablePages());
        Assert.Equal(0, reclaim.DirectReclaim(0, 0));

        reclaim.End(1);

        Assert.Equal(Enumerable.Range(0, 40).Select(h => (1, h)), freed);
        Assert.All(inReclaim.Skip(PageAlloc.SwapClusterMax + 1), Assert.False);
        Assert.Equal(0, reclaim.DirectReclaim(1, 0));
        Assert.Equal(0, reclaim.ReclaimablePages());
    }

    [Fact]
    public void A_recorded_allocations_reclaimed_pages_are_free_after_it_in_the_rebuilt_state()
    {
        // A movable allocation whose reclaim freed two pages from before the window: the rebuild allocates them, the allocation
        // (no pressure in a fresh 16M zone, so no reclaim) frees them at its end.
        var file = TestReproFiles.TwoCpus("mainline", "16M",
        [
            new RecordedOp(AllocatorOp.Alloc, 0, (long)Gfp.HighUserMovable, 0x200, 1, true, false),
            new RecordedOp(AllocatorOp.FreeBatch, 0x40, 0, 0, 1, true, true),
            new RecordedOp(AllocatorOp.FreeBatch, 0x41, 0, 0, 1, true, true),
        ]);
        Assert.Equal(2, file.Pages.Count);

        var run = ReproSetup.Run(file, window: 0);

        Assert.Equal(1, ZoneHoldings.Take(run.Zone).HeldPages);
    }

    [Fact]
    public void The_pages_an_allocation_did_not_reclaim_are_freed_inside_it_so_no_quiescent_point_falls_in_mid_free()
    {
        // CPU 0's allocation (no pressure: it does not reclaim) frees its eight recorded pages at its end while CPU 1 runs: the
        // audit at every quiescent point (an audit class) must never see them half freed.
        RecordedOp[] reclaiming =
        [
            new RecordedOp(AllocatorOp.Alloc, 0, (long)Gfp.HighUserMovable, 0x200, 1, true, false),
            .. Enumerable.Range(0, 8).Select(i => new RecordedOp(AllocatorOp.FreeBatch, 0x40 + i, 0, 0, 1, true, true)),
        ];
        RecordedOp[] other =
        [
            new RecordedOp(AllocatorOp.Alloc, 0, (long)Gfp.Kernel, 0x300, 1, true, false),
            new RecordedOp(AllocatorOp.Free, 0x300, 0, 0, 1, true, false),
            new RecordedOp(AllocatorOp.Alloc, 0, (long)Gfp.Kernel, 0x300, 1, true, false),
        ];
        var facts = new ReproBuilder.RunFacts("mainline", [], "udp", 1, 2, "16M", "pre-2026-03", false);
        var file = ReproBuilder.Build(facts, [reclaiming, other], [0, 0], 16, "[§7.1 single-state] x", violationPfn: null);
        using var temp = new TempDirectory();

        var result = ReproExplorer.Explore(new ReproExploreOptions
        {
            Path = "reclaim.repro.json", File = file, IterationsPerWindow = 50, TimeBudget = TimeSpan.FromSeconds(60), TraceDirectory = temp.Path,
        });

        Assert.False(result.Found);
        Assert.NotEmpty(result.Windows);
        Assert.All(result.Windows, w => Assert.Null(w.Violation));
    }
}
