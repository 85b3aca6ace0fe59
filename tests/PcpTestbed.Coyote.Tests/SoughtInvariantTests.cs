using PcpTestbed.Designs;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote.Tests;

/// <summary>
/// An exploration that seeks one class of violation (<see cref="ExploreOptions.SoughtInvariant"/>, explore --from-repro's
/// recorded class) goes past iterations that meet another: it counts them, and the iterations after them are the ones the
/// same engine would have run had they passed (not a second engine's, seeded past them).
/// </summary>
public sealed class SoughtInvariantTests : ControlledTest
{
    private const int Iterations = 40;

    [Theory]
    [MemberData(nameof(Strategies))]
    public void A_violation_of_another_class_is_counted_and_the_next_iterations_run_as_an_unbroken_exploration_would_run_them(SchedulingStrategy strategy)
    {
        // The race's outcome in each iteration of an exploration that never fails, then the class of the first iteration's
        // outcome made the one not sought: the search must go past it to the first iteration of the other outcome.
        var watched = new FirstComerScenario(fail: false);
        Assert.False(ExploreOwn(watched, strategy, Iterations).BugFound);
        var firsts = watched.FirstComers;
        Assert.Equal(Iterations, firsts.Count);
        var soughtCpu = 1 - firsts[0];
        var expected = firsts.IndexOf(soughtCpu) + 1;
        Assert.True(expected > 1, $"CPU {soughtCpu} never came first in {Iterations} iterations under {strategy}: the test cannot tell anything");

        var r = ExploreOwn(new FirstComerScenario(fail: true), strategy, Iterations, FirstComerScenario.Invariant(soughtCpu));

        Assert.True(r.BugFound, Describe(r));
        Assert.Equal(FirstComerScenario.Invariant(soughtCpu), r.Invariant);
        Assert.Equal(expected, r.FirstBugIteration);
        Assert.Equal(expected, r.Iterations);
        Assert.Equal(expected - 1, r.OtherViolations);
        Assert.Equal(1, r.FirstOtherIteration);
        Assert.StartsWith($"[{FirstComerScenario.Invariant(firsts[0])}]", r.FirstOtherViolation);
        Assert.True(File.Exists(r.TracePath), "the sought violation's trace");
        var trace = TraceFile.Load(r.TracePath!);
        Assert.Equal(r.Violation, trace.Violation);
        Assert.Equal(expected, trace.FirstBugIteration);
    }

    [Fact]
    public void A_trace_found_by_a_class_an_audits_failure_names_after_its_first_carries_the_class_sought()
    {
        // Every iteration fails as an audit naming the first comer's class first and a later class after it: sought as the
        // later one, the first iteration is found, and its trace carries the class sought, not the violation's first.
        var r = ExploreOwn(new FirstComerScenario(fail: true, asAudit: true), SchedulingStrategy.Portfolio, Iterations, FirstComerScenario.AuditLater);

        Assert.True(r.BugFound, Describe(r));
        Assert.Equal(1, r.FirstBugIteration);
        Assert.NotEqual(FirstComerScenario.AuditLater, Violations.InvariantOf(r.Violation!));
        Assert.Equal(FirstComerScenario.AuditLater, r.Invariant);
        Assert.Equal(FirstComerScenario.AuditLater, TraceFile.Load(r.TracePath!).Invariant);
    }

    [Fact]
    public void A_class_never_met_spends_every_iteration_counting_the_others_and_claims_nothing()
    {
        var r = ExploreOwn(new FirstComerScenario(fail: true), SchedulingStrategy.Portfolio, Iterations, "never-met");

        Assert.False(r.BugFound, Describe(r));
        Assert.Equal(Iterations, r.Iterations);
        Assert.Equal(Iterations, r.OtherViolations);
        Assert.Equal(1, r.FirstOtherIteration);
        Assert.Null(r.Violation);
        Assert.Null(r.TracePath);
    }

    [Fact]
    public void Without_a_class_sought_the_first_violation_ends_the_exploration()
    {
        var r = ExploreOwn(new FirstComerScenario(fail: true), SchedulingStrategy.Portfolio, Iterations);

        Assert.True(r.BugFound, Describe(r));
        Assert.Equal(1, r.FirstBugIteration);
        Assert.Equal(0, r.OtherViolations);
        Assert.Null(r.FirstOtherViolation);
    }

    [Fact]
    public void A_catalogued_race_sought_as_its_other_class_is_found_past_the_first_and_its_trace_replays()
    {
        // The catalogue lists lockdep and liveness for a drain without pcp->lock; the exploration that stops at the first bug
        // names one, so the other is sought: the first bug is gone past (the same iteration, the same violation), and the
        // trace of the one found after it replays (Coyote's trace is that iteration's schedule, not the first bug's or the
        // last one's). missing-owner-recheck's and release-after-drain's §7.1 did not come within their budgets (300).
        var bug = Catalog.FindBug(InjectedBug.DrainWithoutPcpLock)!;
        var first = Explore(bug.Scenario, bug.DesignKind, bug.Bug, bug.Iterations);
        Assert.True(first.BugFound, Describe(first));
        var sought = Assert.Single(bug.Invariants, i => i != first.Invariant);

        var r = Explorer.Explore(new ExploreOptions
        {
            Scenario = bug.Scenario, Design = bug.DesignKind, Bugs = bug.Bug, Iterations = bug.Iterations, Seed = TestBudgets.Seed,
            TraceDirectory = TraceDirectory, SoughtInvariant = sought,
        });

        Assert.True(r.BugFound, Describe(r));
        Assert.Equal(sought, r.Invariant);
        Assert.Equal(first.FirstBugIteration, r.FirstOtherIteration);
        Assert.Equal(first.Violation, r.FirstOtherViolation);
        var replay = Replayer.Replay(r.TracePath!);
        Assert.True(replay.Reproduced, $"expected '{r.Violation}', got '{replay.Violation ?? "no bug"}'");
        Assert.Equal(r.Steps, replay.Steps);
    }

    /// <summary>
    /// Two CPUs race to a shared write; the first to get there is the iteration's outcome: with <c>fail</c>, a violation of
    /// class "cpuN-first" at the end (<c>asAudit</c>: at the second write, an audit's failure that also names <see cref="AuditLater"/>), else recorded
    /// in <see cref="FirstComers"/> (one per iteration, in order).
    /// </summary>
    private sealed class FirstComerScenario(bool fail, bool asAudit = false) : Scenario
    {
        public List<int> FirstComers { get; } = [];

        public bool Fail { get; } = fail;

        public bool AsAudit { get; } = asAudit;

        public static string Invariant(int cpu) => $"cpu{cpu}-first";

        /// <summary>The class an audit's failure (<c>asAudit</c>) names after the first comer's.</summary>
        public const string AuditLater = "audit-later";

        public override string Name => "engine-first-comer";

        public override string Description => "two CPUs race to a shared write";

        public override IReadOnlyList<DesignKind> Designs => [DesignKind.Mainline];

        public override ScenarioConfig Configure(DesignKind design) => new() { Cpus = 2, Zone = "8M" };

        public override ScenarioIteration Start(ScenarioRun run) => new Iteration(run, this);

        private sealed class Iteration(ScenarioRun run, FirstComerScenario scenario) : ScenarioIteration(run)
        {
            private int _first = -1;

            public override void Setup()
            {
            }

            public override IReadOnlyList<CpuScript> Scripts() => [new(0, "arrives", () => Arrive(0)), new(1, "arrives", () => Arrive(1))];

            public override string? CheckFinal()
            {
                if (scenario.Fail)
                {
                    return $"[{Invariant(_first)}] CPU {_first} wrote first";
                }

                scenario.FirstComers.Add(_first);
                return null;
            }

            private void Arrive(int cpu) => Run.Do(cpu, "write", () =>
            {
                Run.Execution.SharedWrite(SharedLocation.Scenario(0), AccessSite.Scenario);
                if (_first < 0)
                {
                    _first = cpu;
                }
                else if (scenario.AsAudit)
                {
                    // As an audit fails (ScenarioRun.CheckInvariants): a check's at the end would get the runner's suffix.
                    Run.Fail(Violations.OfAudit([$"[{Invariant(_first)}] CPU {_first} wrote first", $"[{AuditLater}] a later rule"], 2, "after the second write"));
                }
            });
        }
    }
}
