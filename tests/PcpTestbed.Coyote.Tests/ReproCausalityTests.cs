using PcpTestbed.Coyote.Repro;

namespace PcpTestbed.Coyote.Tests;

/// <summary>
/// The run's causality for pages that travel between CPUs, kept by the search: a free of a page another CPU allocated comes
/// after that allocation, in the scripts (the free waits) and across the cut between setup and the scripts (the cut moves).
/// The file: pageblock with remote-count-outside-lock, CPU 0 allocates a page (its refill claims a block: CPU 0 owns it),
/// then CPU 1 frees that page, a free routed to CPU 0's PCP, where the bug's count update outside pcp->lock fails lockdep at
/// once. So the recorded violation comes back exactly when CPU 1's free runs after CPU 0's allocation.
/// </summary>
public class ReproCausalityTests
{
    [Theory]
    [MemberData(nameof(TestBudgets.OneIterationSeeds), MemberType = typeof(TestBudgets))]
    public void A_free_of_a_page_another_cpus_script_allocates_waits_for_that_allocation(uint seed)
    {
        // One iteration per seed: the free must run after the allocation whatever CPU the engine runs first (skipped instead,
        // as before the wait, about half of the seeds would not reproduce).
        var file = RoutedFree(
        [
            [new ReproOp { Seq = 0, Op = ReproOp.Alloc, Order = 0, Gfp = 0xcc0, Page = 0 }],
            [new ReproOp { Seq = 1, Op = ReproOp.Free, Order = 0, Page = 0 }],
        ]);

        var result = Explore(file, iterations: 1, seed);

        Assert.True(result.Found, string.Join("; ", result.Windows.Select(w => $"window {w.Window}: {w.Violation ?? "nothing"}")));
        Assert.Equal(1, result.Window);
    }

    [Fact]
    public void Setup_never_frees_a_page_a_script_allocates_the_cut_moves_earlier_instead()
    {
        // With one operation per CPU left to the scripts, CPU 1's free (its earlier operation) would run in setup before CPU 0's
        // allocation (CPU 0's last, a script's) and be skipped: the page would stay allocated for good.
        var file = RoutedFree(
        [
            [new ReproOp { Seq = 0, Op = ReproOp.Alloc, Order = 0, Gfp = 0xcc0, Page = 0 }],
            [
                new ReproOp { Seq = 1, Op = ReproOp.Free, Order = 0, Page = 0 },
                new ReproOp { Seq = 2, Op = ReproOp.Alloc, Order = 0, Gfp = 0xcc0, Page = 1 },
            ],
        ]);

        var (serial, tails) = new ReproScenario(file, window: 1).Split();

        Assert.Empty(serial);
        Assert.Equal([ReproOp.Free, ReproOp.Alloc], tails[1].Select(o => o.Op));
        Assert.Equal([ReproOp.Alloc], tails[0].Select(o => o.Op));
    }

    [Fact]
    public void A_cut_that_frees_nothing_a_script_allocates_stays_where_the_window_puts_it()
    {
        // CPU 1's earlier operation frees its own page: setup can run it, so the script keeps only the window.
        var file = RoutedFree(
        [
            [new ReproOp { Seq = 2, Op = ReproOp.Alloc, Order = 0, Gfp = 0xcc0, Page = 2 }],
            [
                new ReproOp { Seq = 0, Op = ReproOp.Alloc, Order = 0, Gfp = 0xcc0, Page = 0 },
                new ReproOp { Seq = 1, Op = ReproOp.Free, Order = 0, Page = 0 },
                new ReproOp { Seq = 3, Op = ReproOp.Alloc, Order = 0, Gfp = 0xcc0, Page = 1 },
            ],
        ]);

        var (serial, tails) = new ReproScenario(file, window: 1).Split();

        Assert.Equal([0, 1], serial.Select(o => o.Seq));
        Assert.Equal([3], tails[1].Select(o => o.Seq));
    }

    [Fact]
    public void The_cut_moves_until_no_setup_free_is_left_of_a_script_allocation()
    {
        // CPU 1's earlier free is of CPU 2's last allocation (a script's): CPU 1's script starts at it, which gives CPU 1's
        // script its allocation of page 3 too; CPU 0's earlier free is of page 3, so CPU 0's script starts at that free (found
        // on a second pass: CPU 0 comes first).
        var file = RoutedFree(
        [
            [
                new ReproOp { Seq = 8, Op = ReproOp.Free, Order = 0, Page = 3 },
                new ReproOp { Seq = 9, Op = ReproOp.Alloc, Order = 0, Gfp = 0xcc0, Page = 5 },
            ],
            [
                new ReproOp { Seq = 6, Op = ReproOp.Free, Order = 0, Page = 2 },
                new ReproOp { Seq = 7, Op = ReproOp.Alloc, Order = 0, Gfp = 0xcc0, Page = 3 },
                new ReproOp { Seq = 11, Op = ReproOp.Alloc, Order = 0, Gfp = 0xcc0, Page = 4 },
            ],
            [
                new ReproOp { Seq = 0, Op = ReproOp.Alloc, Order = 0, Gfp = 0xcc0, Page = 0 },
                new ReproOp { Seq = 5, Op = ReproOp.Alloc, Order = 0, Gfp = 0xcc0, Page = 2 },
            ],
        ]);

        var (serial, tails) = new ReproScenario(file, window: 1).Split();

        Assert.Equal([0], serial.Select(o => o.Seq));
        Assert.Equal([8, 9], tails[0].Select(o => o.Seq));
        Assert.Equal([6, 7, 11], tails[1].Select(o => o.Seq));
        Assert.Equal([5], tails[2].Select(o => o.Seq));
    }

    /// <summary>A pageblock run (one CPU per list of operations) with remote-count-outside-lock that broke with lockdep.</summary>
    internal static ReproFile RoutedFree(IReadOnlyList<IReadOnlyList<ReproOp>> operations) => new()
    {
        Design = "pageblock",
        Bugs = ["remote-count-outside-lock"],
        Workload = "mixed",
        Seed = 1,
        Cpus = operations.Count,
        Zone = "16M",
        Highatomic = "2026-05",
        Violation = "[lockdep] test",
        Invariant = Violations.Lockdep,
        WindowComplete = true,
        LostBeforeWindow = [.. operations.Select(_ => 0L)],
        RingEntries = 16,
        Pages = [],
        Operations = operations,
    };

    /// <summary>explore --from-repro on <paramref name="file"/>, saved for the call with the trace it writes, both deleted after.</summary>
    private static ReproExploreResult Explore(ReproFile file, int iterations, uint seed)
    {
        using var temp = new TempDirectory();
        return ReproExplorer.Explore(new ReproExploreOptions
        {
            Path = temp.Save(file), IterationsPerWindow = iterations, TimeBudget = TimeSpan.FromSeconds(60), Seed = seed, TraceDirectory = temp.Path,
        });
    }
}
