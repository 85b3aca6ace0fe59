using System.Diagnostics;
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

    [Fact]
    public void A_part_that_resumes_a_size_explores_on_from_the_seed_past_the_iterations_its_earlier_parts_ran()
    {
        // A size its share cut short resumes where it stopped (ReproWindowSchedule): Coyote seeds iteration i with the seed
        // plus i, so the part after 7 iterations starts at the search's seed plus 7, the schedules an unbroken exploration
        // would run next. Started at the search's seed it would run the first 7 again and never reach the ones after them.
        var file = AllocFreeAndDrain([]);
        using var temp = new TempDirectory();
        var scenario = new ReproScenario(file, 1);
        var options = new ReproExploreOptions { Path = "unused", Seed = 40, TraceDirectory = temp.Path };
        var limit = TimeSpan.FromSeconds(60);

        var first = ReproExplorer.ExploreWindow(scenario, new ReproWindowSchedule.Request(1, 1, Done: 0, limit), 2, options, Stopwatch.StartNew());
        var resumed = ReproExplorer.ExploreWindow(scenario, new ReproWindowSchedule.Request(1, 1, Done: 7, limit), 2, options, Stopwatch.StartNew());

        Assert.Equal(40u, first.Seed);
        Assert.Equal(47u, resumed.Seed);
    }

    [Fact]
    public void A_window_goes_past_iterations_that_meet_another_class_to_its_last_iteration()
    {
        // drain_all_pages() without pcp->lock fails lockdep_assert_held() whenever the drain finds pages on CPU 0's PCP (its
        // free's): another class than the file's §7.1, which never comes. Each window runs all its iterations and counts the
        // lockdep ones; stopping at the first would leave a window at its first lockdep iteration.
        const int iterations = 30;
        var file = AllocFreeAndDrain(["drain-without-pcp-lock"]);

        using var temp = new TempDirectory();
        var result = ReproExplorer.Explore(new ReproExploreOptions
        {
            Path = temp.Save(file), IterationsPerWindow = iterations, TimeBudget = TimeSpan.FromSeconds(60), Seed = 1, TraceDirectory = temp.Path,
        });

        Assert.False(result.Found);
        Assert.False(result.BudgetExhausted);
        // Each size's turn comes in parts (its first iteration, then the rest within its share: ReproWindowSchedule).
        Assert.Equal([1, 2], result.Windows.Select(w => w.Window).Distinct());
        Assert.All(result.Windows, w => Assert.Null(w.Violation));
        Assert.All(result.Windows.GroupBy(w => w.Window), size =>
        {
            Assert.Equal(iterations, size.Sum(w => w.Iterations));
            Assert.InRange(size.Sum(w => w.OtherViolations), 1, iterations);
            var first = size.First(w => w.FirstOtherViolation != null);
            Assert.StartsWith("[lockdep]", first.FirstOtherViolation);
            Assert.InRange(first.FirstOtherIteration!.Value, 1, iterations);
        });
        Assert.Empty(Directory.GetFiles(temp.Path, "*.trace.json"));
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

    /// <summary>CPU 0 allocates a page and frees it, CPU 1 drains every PCP; recorded as a §7.1 violation that never comes.</summary>
    private static ReproFile AllocFreeAndDrain(string[] bugs) => new()
    {
        Design = "mainline", Bugs = bugs, Workload = "mixed", Seed = 1, Cpus = 2, Zone = "16M", Highatomic = "2026-05",
        Violation = "[§7.1 single-state] test", Invariant = "§7.1 single-state", WindowComplete = true, LostBeforeWindow = [0, 0],
        RingEntries = 16, Pages = [],
        Operations =
        [
            [new ReproOp { Seq = 0, Op = ReproOp.Alloc, Order = 0, Gfp = 0xcc0, Page = 0 }, new ReproOp { Seq = 1, Op = ReproOp.Free, Order = 0, Page = 0 }],
            [new ReproOp { Seq = 2, Op = ReproOp.DrainAllPages }],
        ],
    };
}
