using PcpTestbed.Coyote.Repro;

namespace PcpTestbed.Coyote.Tests;

/// <summary>
/// explore --from-repro's windows: where the search starts (<see cref="ReproExplorer.FirstWindow"/>) and in which order it
/// tries the sizes (<see cref="ReproExplorer.Windows"/>).
/// </summary>
public class ReproWindowTests
{
    [Fact]
    public void The_first_window_holds_the_pages_last_operation_and_what_later_epochs_put_after_it_not_the_rest_of_its_epoch()
    {
        // CPU 0 frees the violation's page as its 17th of 40 operations; CPU 1 made 1,000 in the same epoch and 5 in the next.
        // Within an epoch the global order is a merge, so CPU 1's operations of epoch 2 are not known to follow the free:
        // the window needs CPU 0's last 24 (the free and what followed) and CPU 1's 5 of epoch 3, and one more: 32.
        var file = File(pageCpuOps: 40, pageIndex: 16, otherSameEpoch: 1_000, otherLaterEpoch: 5);

        Assert.Equal(32, ReproExplorer.FirstWindow(file, file.Operations.Max(o => o.Count)));

        // 100 of CPU 1's in the later epoch: those ended after the free ended, so the window holds them (and one more: 128).
        var later = File(pageCpuOps: 40, pageIndex: 16, otherSameEpoch: 1_000, otherLaterEpoch: 100);
        Assert.Equal(128, ReproExplorer.FirstWindow(later, later.Operations.Max(o => o.Count)));

        // No page: the smallest window.
        Assert.Equal(1, ReproExplorer.FirstWindow(file with { ViolationPageSeq = null }, 1_005));
    }

    [Fact]
    public void After_doubling_to_the_whole_window_the_search_tries_the_smaller_windows_the_first_one_skipped()
    {
        Assert.Equal([4, 8, 16, 32, 64, 128, 162, 1, 2], ReproExplorer.Windows(4, 162));
        Assert.Equal([1, 2, 4, 5], ReproExplorer.Windows(1, 5));
        Assert.Equal([162, 1, 2, 4, 8, 16, 32, 64, 128], ReproExplorer.Windows(162, 162));
    }

    /// <summary>
    /// A 2-CPU file whose violation's page is CPU 0's operation <paramref name="pageIndex"/> of <paramref name="pageCpuOps"/>
    /// (all in epoch 2); CPU 1 made <paramref name="otherSameEpoch"/> operations in epoch 2, then <paramref name="otherLaterEpoch"/> in epoch 3.
    /// </summary>
    internal static ReproFile File(int pageCpuOps, int pageIndex, int otherSameEpoch, int otherLaterEpoch)
    {
        var seq = 0;
        var cpu0 = Enumerable.Range(0, pageCpuOps).Select(i => new ReproOp { Seq = seq++, Op = ReproOp.DecayPcpHigh, Epoch = 2 }).ToArray();
        var cpu1 = Enumerable.Range(0, otherSameEpoch + otherLaterEpoch)
            .Select(i => new ReproOp { Seq = seq++, Op = ReproOp.DecayPcpHigh, Epoch = i < otherSameEpoch ? 2 : 3 }).ToArray();
        return new ReproFile
        {
            Design = "pageblock", Bugs = [], Workload = "mixed", Seed = 1, Cpus = 2, Zone = "16M", Highatomic = "2026-05",
            Violation = "[§7.1 single-state] test", Invariant = "§7.1 single-state", WindowComplete = true, LostBeforeWindow = [0, 0],
            RingEntries = 16, Pages = [], Operations = [cpu0, cpu1], ViolationPageSeq = cpu0[pageIndex].Seq,
        };
    }

    [Fact]
    public void Every_window_gets_one_iteration_before_any_gets_the_rest_of_its_iterations()
    {
        Assert.Equal([(4, 0, 1), (8, 0, 1), (10, 0, 1), (1, 0, 1), (2, 0, 1), (4, 1, 199), (8, 1, 199), (10, 1, 199), (1, 1, 199), (2, 1, 199)],
            ReproExplorer.Schedule(4, 10, 200));
        Assert.Equal([(1, 0, 1), (2, 0, 1), (3, 0, 1)], ReproExplorer.Schedule(1, 3, 1));
    }
}
