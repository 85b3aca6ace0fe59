using PcpTestbed.Coyote;
using PcpTestbed.Coyote.Dfs;
using PcpTestbed.Designs;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote.Tests;

/// <summary>
/// explore --exhaustive: our scheduler enumerates every schedule within a preemption bound (exactly, on a scenario small
/// enough to count by hand), the reduction runs one schedule per equivalence class there, the canary and every
/// catalogued bug are found within bound 2, each failing schedule replays, and a clean scenario's count is fixed.
/// </summary>
public sealed class ExhaustiveSearchTests : ControlledTest
{
    public static TheoryData<string, bool> CataloguedBugs()
    {
        var data = new TheoryData<string, bool>();
        foreach (var b in Catalog.Bugs)
        {
            data.Add(b.Name, true);
            data.Add(b.Name, false);
        }

        return data;
    }

    /// <summary>
    /// The hand count. CPU 0 writes x then y; CPU 1 writes x. Our scheduler's steps: CPU 0 runs s0 (its start, up to the
    /// point before writing x), a1 (writes x), a2 (writes y); CPU 1 runs s1 and b1 (writes x). A schedule is the string of
    /// CPUs picked, three 0s and two 1s: C(5,2) = 10 schedules. Picking the other CPU while the last one could go on is a
    /// preemption: 00011 and 11000 have none; 00110, 01100 and 10001 one; 00101, 01001, 10010 and 10100 two; 01010 three.
    /// </summary>
    [Theory]
    [InlineData(0, "00011 11000")]
    [InlineData(1, "00011 00110 01100 11000 10001")]
    [InlineData(2, "00011 00110 00101 01100 01001 11000 10001 10010 10100")]
    [InlineData(3, "00011 00110 00101 01100 01001 01010 11000 10001 10010 10100")]
    public void Without_the_reduction_every_schedule_within_the_bound_runs_once(int bound, string expected)
    {
        var (result, schedules) = ExploreCounting(bound, reduce: false);

        Assert.Equal(ExhaustiveVerdict.Holds, result.Verdict);
        Assert.Equal(expected.Split(' '), schedules);
        Assert.Equal(schedules.Count, result.Schedules);
    }

    /// <summary>
    /// The same scenario with the reduction. A step's footprint is the point it starts at and the point it ends at, so
    /// s0 and a1 each touch x (s0 ends at the point before writing x), as do s1 and b1; a2 touches y only. Every step of
    /// {s0, a1} conflicts with every step of {s1, b1}, and a2 with none: a schedule's class is the order of s0 a1 among
    /// s1 b1, C(4,2) = 6 classes. Within bound 0 two of them have a schedule (0011, 1100); within bound 1 also 0110
    /// (01100) and 1001 (10001); within bound 2 all six (0101 as 01001, 1010 as 10100). The reduced search runs exactly
    /// one schedule of each, never two of one class.
    /// </summary>
    [Theory]
    [InlineData(0, "00011 11000")]
    [InlineData(1, "00011 01100 11000 10001")]
    [InlineData(2, "00011 01100 01001 11000 10001 10100")]
    [InlineData(3, "00011 01100 01001 11000 10001 10100")]
    public void With_the_reduction_one_schedule_of_each_class_within_the_bound_runs(int bound, string expected)
    {
        var (result, schedules) = ExploreCounting(bound, reduce: true);

        Assert.Equal(ExhaustiveVerdict.Holds, result.Verdict);
        Assert.Equal(expected.Split(' '), schedules);
    }

    /// <summary>
    /// Points inside critical sections, as the model has them (a list_del() and the count update under pcp->lock). CPU 0
    /// takes pcp->lock#0 and writes pcp#0's lists, then its count; CPU 1 does the same on pcp#1. Each runs five steps: its
    /// start (up to the lock), the lock, the two writes, the unlock. Without the reduction, bound 0 runs 00000 11111 and
    /// 11111 00000; bound 1 adds the eight with one preemption (0^a 1^5 0^(5-a) and 1^a 0^5 1^(5-a), a = 1..4; switching
    /// back once the other CPU has ended is free). No step of one CPU touches a lock, or a location, of the other's, nor
    /// anything the other's lock guards: every schedule is one class, and the reduced search runs one schedule.
    /// </summary>
    [Theory]
    [InlineData(0, 2)]
    [InlineData(1, 10)]
    [InlineData(2, null)]
    public void Critical_sections_under_different_locks_commute_with_their_points_inside(int bound, int? full)
    {
        var scenario = new CriticalSectionScenario(sameLock: false);

        var reduced = ExhaustiveExplorer.Explore(scenario, new ExhaustiveOptions { Scenario = scenario.Name, Design = DesignKind.Mainline, PreemptionBound = bound });
        var all = ExhaustiveExplorer.Explore(scenario, new ExhaustiveOptions { Scenario = scenario.Name, Design = DesignKind.Mainline, PreemptionBound = bound, Reduction = false });

        Assert.Equal(ExhaustiveVerdict.Holds, reduced.Verdict);
        Assert.Equal(ExhaustiveVerdict.Holds, all.Verdict);
        Assert.Equal(1, reduced.Schedules);
        if (full is { } expected)
        {
            Assert.Equal(expected, all.Schedules);
        }
        else
        {
            Assert.True(all.Schedules > 10, $"{all.Schedules} schedules in full");
        }
    }

    /// <summary>
    /// A racy reader against a critical section with points inside: CPU 0 takes pcp->lock#0 and writes pcp#0's lists, then
    /// its count (1 each); CPU 1 reads the lists, then the count, without the lock, as drain_all_pages() reads a count.
    /// What CPU 1 can see, counted by hand: 00 and 11 without a preemption, and 10 (stopped between CPU 0's writes) and 01
    /// (CPU 1 stopped between its reads) with one. The reduced search must see exactly what the full one sees, at every
    /// bound. (It prunes nothing here: by the lock-guard rule a read of pcp#0's fields depends on every step of a CPU
    /// holding pcp->lock#0, since the model reads and writes guarded data under the lock without points too.)
    /// </summary>
    [Theory]
    [InlineData(0, "00 11")]
    [InlineData(1, "00 01 10 11")]
    [InlineData(2, "00 01 10 11")]
    public void A_racy_reader_sees_every_state_of_a_critical_section_with_points_inside_under_the_reduction_too(int bound, string expected)
    {
        var reducedScenario = new CriticalSectionScenario(sameLock: true);
        var fullScenario = new CriticalSectionScenario(sameLock: true);

        var reduced = ExhaustiveExplorer.Explore(reducedScenario, new ExhaustiveOptions { Scenario = reducedScenario.Name, Design = DesignKind.Mainline, PreemptionBound = bound });
        var all = ExhaustiveExplorer.Explore(fullScenario, new ExhaustiveOptions { Scenario = fullScenario.Name, Design = DesignKind.Mainline, PreemptionBound = bound, Reduction = false });

        Assert.Equal(ExhaustiveVerdict.Holds, reduced.Verdict);
        Assert.Equal(ExhaustiveVerdict.Holds, all.Verdict);
        Assert.Equal(expected.Split(' '), fullScenario.Seen.Order());
        Assert.Equal(expected.Split(' '), reducedScenario.Seen.Order());
        Assert.True(reduced.Schedules <= all.Schedules, $"{reduced.Schedules} reduced, {all.Schedules} in full");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void The_canary_is_found_exhaustively_and_replays(int bound)
    {
        var r = ExhaustiveExplorer.Explore(new ExhaustiveOptions
        {
            Scenario = Catalog.CanaryScenario,
            Design = DesignKind.Mainline,
            PreemptionBound = bound,
            TraceDirectory = TraceDirectory,
        });

        Assert.Equal(ExhaustiveVerdict.BugFound, r.Verdict);
        Assert.StartsWith("[canary] lost update", r.Violation);
        Assert.InRange(r.Preemptions!.Value, 1, bound);
        AssertReplays(r);
    }

    [Fact]
    public void The_canary_holds_at_bound_zero_where_no_cpu_is_preempted()
    {
        // Without a preemption each increment runs whole: the lost update needs one.
        var r = ExhaustiveExplorer.Explore(new ExhaustiveOptions { Scenario = Catalog.CanaryScenario, Design = DesignKind.Mainline, PreemptionBound = 0 });

        Assert.Equal(ExhaustiveVerdict.Holds, r.Verdict);
        Assert.Equal(2, r.Schedules);
    }

    [Theory]
    [MemberData(nameof(CataloguedBugs))]
    public void Catalogued_bug_is_found_exhaustively_within_bound_two_with_and_without_the_reduction_and_replays(string name, bool reduce)
    {
        var bug = Catalog.Bugs.Single(b => b.Name == name);

        var r = ExhaustiveExplorer.Explore(new ExhaustiveOptions
        {
            Scenario = bug.Scenario,
            Design = bug.DesignKind,
            Bugs = bug.Bug,
            PreemptionBound = 2,
            Reduction = reduce,
            TraceDirectory = TraceDirectory,
        });

        Assert.Equal(ExhaustiveVerdict.BugFound, r.Verdict);
        Assert.Contains(r.Invariant, bug.Invariants);
        Assert.InRange(r.Preemptions!.Value, 0, 2);
        AssertReplays(r);
    }

    [Fact]
    public void A_clean_scenario_holds_and_its_schedule_count_is_the_same_every_time()
    {
        var options = new ExhaustiveOptions { Scenario = "trylock-failures", Design = DesignKind.Mainline, PreemptionBound = 2 };

        var first = ExhaustiveExplorer.Explore(options);
        var second = ExhaustiveExplorer.Explore(options);

        Assert.Equal(ExhaustiveVerdict.Holds, first.Verdict);
        Assert.Equal(ExhaustiveVerdict.Holds, second.Verdict);
        Assert.True(first.Schedules > 100, $"{first.Schedules} schedules");
        Assert.Equal(first.Schedules, second.Schedules);
        Assert.Equal(first.TotalSteps, second.TotalSteps);
    }

    [Fact]
    public void The_reduction_runs_fewer_schedules_than_the_full_search_on_a_real_scenario()
    {
        var reduced = ExhaustiveExplorer.Explore(new ExhaustiveOptions { Scenario = "trylock-failures", Design = DesignKind.Mainline, PreemptionBound = 1 });
        var full = ExhaustiveExplorer.Explore(new ExhaustiveOptions { Scenario = "trylock-failures", Design = DesignKind.Mainline, PreemptionBound = 1, Reduction = false });

        Assert.Equal(ExhaustiveVerdict.Holds, full.Verdict);
        Assert.Equal(ExhaustiveVerdict.Holds, reduced.Verdict);
        Assert.True(reduced.Schedules < full.Schedules, $"{reduced.Schedules} reduced, {full.Schedules} in full");
    }

    [Fact]
    public void An_elided_lock_is_searched_without_the_reduction_and_its_race_found_and_replayed()
    {
        // The elided lock guards accesses that are no points: the reduction could not see their races, so it is off.
        var elision = new LockElision(Model.Sync.LockClass.Pcp, Model.Sync.LockSite.PcpRemoteFree);

        var r = ExhaustiveExplorer.Explore(new ExhaustiveOptions
        {
            Scenario = "remote-free-vs-drain",
            Design = DesignKind.Pageblock,
            Elision = elision,
            TraceDirectory = TraceDirectory,
        });

        Assert.False(r.Reduction);
        Assert.Equal(ExhaustiveVerdict.BugFound, r.Verdict);
        Assert.Equal("pcp->lock@free_unref_page:remote", r.Elision);
        Assert.Equal("pcp->lock@free_unref_page:remote", TraceFile.Load(r.TracePath!).ElidedLock);
        AssertReplays(r);
    }

    [Fact]
    public void A_time_budget_that_runs_out_gives_no_verdict()
    {
        var r = ExhaustiveExplorer.Explore(new ExhaustiveOptions
        {
            Scenario = "drain-all-vs-alloc",
            Design = DesignKind.Mainline,
            PreemptionBound = 2,
            TimeBudget = TimeSpan.Zero,
        });

        Assert.Equal(ExhaustiveVerdict.Incomplete, r.Verdict);
        Assert.Equal(0, r.Schedules);
        Assert.Null(r.Violation);
    }

    [Fact]
    public void A_schedule_that_takes_too_many_steps_fails_as_liveness()
    {
        var r = ExhaustiveExplorer.Explore(new ExhaustiveOptions { Scenario = "trylock-failures", Design = DesignKind.Mainline, MaxSteps = 10 });

        Assert.Equal(ExhaustiveVerdict.BugFound, r.Verdict);
        Assert.Equal("[liveness] operation never completes: the iteration took more than 10 scheduling steps", r.Violation);
    }

    [Fact]
    public void Progress_is_reported_and_ends_with_the_final_count()
    {
        var seen = new List<ExhaustiveProgress>();
        var r = ExhaustiveExplorer.Explore(new ExhaustiveOptions
        {
            Scenario = "trylock-failures",
            Design = DesignKind.Mainline,
            PreemptionBound = 1,
            Progress = seen.Add,
            ProgressInterval = TimeSpan.Zero,
        });

        Assert.NotEmpty(seen);
        Assert.Equal(r.Schedules, seen[^1].Schedules);
        Assert.True(seen.Zip(seen.Skip(1)).All(p => p.First.Schedules <= p.Second.Schedules));
    }

    private static void AssertReplays(ExhaustiveResult r)
    {
        Assert.NotNull(r.TracePath);
        var trace = TraceFile.Load(r.TracePath!);
        Assert.Equal(TraceFile.DfsEngine, trace.Engine);
        Assert.Equal(r.Schedule, trace.Schedule);
        Assert.Equal(SiteTable.Current, trace.SiteTable);
        Assert.Null(trace.CoyoteTrace);

        var replay = Replayer.Replay(r.TracePath!);

        Assert.True(replay.Reproduced, $"expected '{r.Violation}', replay gave '{replay.Violation ?? "no bug"}' ({replay.Divergence?.Message})");
        Assert.Null(replay.Divergence);
        Assert.Equal(r.Steps, replay.Steps);
    }

    private static (ExhaustiveResult Result, List<string> Schedules) ExploreCounting(int bound, bool reduce)
    {
        var schedules = new List<string>();
        var result = ExhaustiveExplorer.Explore(new CountingScenario(), new ExhaustiveOptions
        {
            Scenario = "engine-counting",
            Design = DesignKind.Mainline,
            PreemptionBound = bound,
            Reduction = reduce,
            OnSchedule = (steps, _) => schedules.Add(string.Concat(steps.Select(s => s.Cpu))),
        });
        return (result, schedules);
    }

    /// <summary>
    /// CPU 0 runs a critical section under pcp->lock#0 with a point before each of its two writes (pcp#0's lists, then its
    /// count). With <c>sameLock</c> false, CPU 1 does the same on pcp#1; with it true, CPU 1 reads pcp#0's lists, then its
    /// count, without the lock, and <see cref="Seen"/> collects what it read ("10": the lists written, the count not).
    /// </summary>
    private sealed class CriticalSectionScenario(bool sameLock) : Scenario
    {
        public HashSet<string> Seen { get; } = [];

        public bool SameLock => sameLock;

        public override string Name => "engine-critical-section";

        public override string Description => "points inside a critical section vs another CPU";

        public override IReadOnlyList<DesignKind> Designs => [DesignKind.Mainline];

        public override ScenarioConfig Configure(DesignKind design) => new() { Cpus = 2, Zone = "8M" };

        public override ScenarioIteration Start(ScenarioRun run) => new Iteration(run, this);

        private sealed class Iteration(ScenarioRun run, CriticalSectionScenario scenario) : ScenarioIteration(run)
        {
            private readonly int[] _lists = new int[2];
            private readonly int[] _count = new int[2];
            private EmuSpinLock _pcp0 = new(LockClass.Pcp, 0); // do not make readonly: a CAS target
            private EmuSpinLock _pcp1 = new(LockClass.Pcp, 1);
            private string _seen = "";

            public override void Setup()
            {
            }

            public override IReadOnlyList<CpuScript> Scripts() =>
            [
                new(0, "pcp->lock#0: lists, count", () => CriticalSection(0, ref _pcp0)),
                scenario.SameLock
                    ? new CpuScript(1, "reads pcp#0's lists, then its count, without the lock", () =>
                    {
                        Run.Execution.SharedRead(SharedLocation.PcpLists(0), AccessSite.Scenario);
                        var lists = _lists[0];
                        Run.Execution.SharedRead(SharedLocation.PcpCount(0), AccessSite.Scenario);
                        _seen = $"{lists}{_count[0]}";
                    })
                    : new CpuScript(1, "pcp->lock#1: lists, count", () => CriticalSection(1, ref _pcp1)),
            ];

            public override string? CheckFinal()
            {
                if (scenario.SameLock)
                {
                    scenario.Seen.Add(_seen);
                }

                return null;
            }

            private void CriticalSection(int cpu, ref EmuSpinLock pcpLock)
            {
                Run.Execution.Lock(ref pcpLock, cpu, LockSite.PcpDrain);
                Run.Execution.SharedWrite(SharedLocation.PcpLists(cpu), AccessSite.Scenario);
                _lists[cpu] = 1;
                Run.Execution.SharedWrite(SharedLocation.PcpCount(cpu), AccessSite.Scenario);
                _count[cpu] = 1;
                Run.Execution.Unlock(ref pcpLock, cpu);
            }
        }
    }

    /// <summary>CPU 0 writes x then y, CPU 1 writes x: small enough to count every schedule by hand.</summary>
    private sealed class CountingScenario : Scenario
    {
        public override string Name => "engine-counting";

        public override string Description => "CPU 0 writes x then y; CPU 1 writes x";

        public override IReadOnlyList<DesignKind> Designs => [DesignKind.Mainline];

        public override ScenarioConfig Configure(DesignKind design) => new() { Cpus = 2, Zone = "8M" };

        public override ScenarioIteration Start(ScenarioRun run) => new Iteration(run);

        private sealed class Iteration(ScenarioRun run) : ScenarioIteration(run)
        {
            public override void Setup()
            {
            }

            public override IReadOnlyList<CpuScript> Scripts() =>
            [
                new(0, "writes x, then y", () =>
                {
                    Run.Execution.SharedWrite(SharedLocation.Scenario(0), AccessSite.Scenario);
                    Run.Execution.SharedWrite(SharedLocation.Scenario(1), AccessSite.Scenario);
                }),
                new(1, "writes x", () => Run.Execution.SharedWrite(SharedLocation.Scenario(0), AccessSite.Scenario)),
            ];
        }
    }
}
