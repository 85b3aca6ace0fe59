using PcpTestbed.Coyote.Repro;

namespace PcpTestbed.Coyote.Tests;

/// <summary>Reproduction files of runs with CPU hotplug: the window may begin with a CPU offline (its death is older than the window).</summary>
public class ReproHotplugTests
{
    [Fact]
    public void A_window_that_begins_with_a_cpu_coming_online_replays_without_a_hotplug_misuse()
    {
        // CPU 1 comes online first (it died before the window), then allocates and frees; CPU 0 allocates and frees. A
        // rebuilt state with CPU 1 online would fail page_alloc_cpu_online() ("already online") in every window size, unless
        // CPU 1 is killed in setup (what the scenario does) or the redundant online is skipped (its fallback).
        var result = Explore(TwoCpus("§7.4 ownership",
        [
            [
                new ReproOp { Seq = 3, Op = ReproOp.Alloc, Order = 0, Gfp = 0xcc0, Page = 1 },
                new ReproOp { Seq = 4, Op = ReproOp.Free, Order = 0, Page = 1 },
            ],
            [
                new ReproOp { Seq = 0, Op = ReproOp.CpuOnline, Target = 1 },
                new ReproOp { Seq = 1, Op = ReproOp.Alloc, Order = 0, Gfp = 0xcc0, Page = 0 },
                new ReproOp { Seq = 2, Op = ReproOp.Free, Order = 0, Page = 0 },
            ],
        ]), 50);

        Assert.False(result.Found);
        Assert.NotEmpty(result.Windows);
        Assert.All(result.Windows, w => Assert.Null(w.Violation));
    }

    [Fact]
    public void A_death_in_the_scripts_waits_until_its_victim_is_between_operations()
    {
        // CPU 0 allocates and frees while CPU 1 takes it offline and brings it back, as on the run, where CPU 0 parked at a
        // quiescent point before CPU 1 ran page_alloc_cpu_dead(). No bug is injected: a death that fell inside CPU 0's
        // operation would leave that operation's pages on a dead CPU's PCP (§7.1) or run it on a dead CPU.
        var result = Explore(TwoCpus("§7.1 single-state",
        [
            [
                new ReproOp { Seq = 0, Op = ReproOp.Alloc, Order = 0, Gfp = 0xcc0, Page = 0 },
                new ReproOp { Seq = 1, Op = ReproOp.Alloc, Order = 3, Gfp = 0xcc0, Page = 1 },
                new ReproOp { Seq = 3, Op = ReproOp.Free, Order = 0, Page = 0 },
                new ReproOp { Seq = 6, Op = ReproOp.Free, Order = 3, Page = 1 },
                new ReproOp { Seq = 7, Op = ReproOp.Alloc, Order = 0, Gfp = 0xcc0, Page = 2 },
            ],
            [
                new ReproOp { Seq = 2, Op = ReproOp.DrainAllPages },
                new ReproOp { Seq = 4, Op = ReproOp.CpuDead, Target = 0 },
                new ReproOp { Seq = 5, Op = ReproOp.CpuOnline, Target = 0 },
            ],
        ]), 300);

        Assert.False(result.Found);
        Assert.All(result.Windows, w => Assert.Null(w.Violation));
    }

    [Theory]
    [MemberData(nameof(TestBudgets.OneIterationSeeds), MemberType = typeof(TestBudgets))]
    public void A_death_waits_for_its_victims_operations_of_earlier_epochs(uint seed)
    {
        // With owner-tag-cleared-before-unlink: CPU 1 allocates (its refill claims a block) and drains (the block's other pages
        // go back to the zone, so it is on CPU 1's owned_blocks), both in epoch 2; CPU 0 kills CPU 1 in epoch 3, so on the run
        // the death came after both. After them the death leaves the entry stale (§7.4); before them CPU 1 dies holding its
        // block on the PCP (not on owned_blocks), the drain is skipped (CPU 1 offline) and nothing goes stale. Window 1 runs the
        // allocation in setup and the drain and the death in the scripts: one iteration per seed, whichever CPU the engine runs
        // first (without the wait, the seeds that start the death first do not reproduce).
        TheDeathComesAfterItsVictimsAllocationAndDrain(victimsEpoch: 2, seed);
    }

    [Theory]
    [MemberData(nameof(TestBudgets.OneIterationSeeds), MemberType = typeof(TestBudgets))]
    public void A_death_that_no_online_follows_waits_for_every_operation_of_its_victim(uint seed)
    {
        // The same file with every operation in one epoch: the epochs do not order the death after CPU 1's operations, but no
        // online of CPU 1 follows the death, so on the run CPU 1 ran them before it (a dead CPU runs nothing).
        TheDeathComesAfterItsVictimsAllocationAndDrain(victimsEpoch: 3, seed);
    }

    /// <summary>
    /// CPU 0 kills CPU 1 in epoch 3; CPU 1 allocates and drains in <paramref name="victimsEpoch"/>, with
    /// owner-tag-cleared-before-unlink: the stale entry (§7.4) comes back at window 1, in one iteration, only if the death ran
    /// after both.
    /// </summary>
    private static void TheDeathComesAfterItsVictimsAllocationAndDrain(int victimsEpoch, uint seed)
    {
        var file = TwoCpus("§7.4 ownership",
        [
            [new ReproOp { Seq = 2, Op = ReproOp.CpuDead, Target = 1, Epoch = 3 }],
            [
                new ReproOp { Seq = 0, Op = ReproOp.Alloc, Order = 0, Gfp = 0xcc0, Page = 0, Epoch = victimsEpoch },
                new ReproOp { Seq = 1, Op = ReproOp.DrainAllPages, Epoch = victimsEpoch },
            ],
        ]) with { Bugs = ["owner-tag-cleared-before-unlink"] };

        var result = Explore(file, 1, seed);

        Assert.True(result.Found, string.Join("; ", result.Windows.Select(w => $"window {w.Window}: {w.Violation ?? "nothing"}")));
        Assert.Equal(1, result.Window);
    }

    [Fact]
    public void A_reproductions_operation_may_take_steps_in_proportion_to_its_zone_not_the_catalogues_bound()
    {
        // A run's 16M zone (4,096 pages): drain_all_pages() over PCPs of thousands of pages is that many pages of points.
        var config = new ReproScenario(TwoCpus("§7.1 single-state", [[], []]), window: 1).Configure(PcpTestbed.Designs.DesignKind.Pageblock);

        Assert.Equal(4096 * 16, config.OpStepBudget);
    }

    /// <summary>A reproduction file of a pageblock run on 2 CPUs with no bug, naming <paramref name="invariant"/>.</summary>
    private static ReproFile TwoCpus(string invariant, IReadOnlyList<IReadOnlyList<ReproOp>> operations) => new()
    {
        Design = "pageblock",
        Bugs = [],
        Workload = "mixed",
        Seed = 1,
        Cpus = 2,
        Zone = "16M",
        Highatomic = "2026-05",
        Violation = $"[{invariant}] test",
        Invariant = invariant,
        WindowComplete = true,
        LostBeforeWindow = [0, 0],
        RingEntries = 16,
        Pages = [],
        Operations = operations,
    };

    /// <summary>explore --from-repro on <paramref name="file"/>, saved for the call.</summary>
    private static ReproExploreResult Explore(ReproFile file, int iterations, uint seed = 1)
    {
        using var temp = new TempDirectory();
        return ReproExplorer.Explore(new ReproExploreOptions
        {
            Path = temp.Save(file), IterationsPerWindow = iterations, TimeBudget = TimeSpan.FromSeconds(60), Seed = seed, TraceDirectory = temp.Path,
        });
    }
}
