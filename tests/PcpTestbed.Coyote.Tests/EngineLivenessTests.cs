using PcpTestbed.Coyote;
using PcpTestbed.Designs;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote.Tests;

/// <summary>
/// The engine turns a deadlock, a leaked lock and an operation that spins forever into failures that name the
/// CPUs, locks and call sites, under every strategy (PCT included: waiters park, so they never starve a holder).
/// </summary>
public sealed class EngineLivenessTests : ControlledTest
{
    [Theory]
    [MemberData(nameof(AllStrategies))]
    public void A_lock_order_inversion_is_reported_as_an_operation_that_never_completes(SchedulingStrategy strategy)
    {
        var r = ExploreOwn(new LockScenario(LockScenario.Kind.Inversion), strategy, 300);

        Assert.True(r.BugFound, Describe(r));
        Assert.Equal(Violations.Liveness, r.Invariant);
        Assert.Contains("operation never completes: CPU", r.Violation);
        Assert.Contains("(a deadlock)", r.Violation);
        Assert.Contains("pcp->lock#0", r.Violation);
        Assert.Contains("zone->lock", r.Violation);
    }

    [Theory]
    [MemberData(nameof(AllStrategies))]
    public void Locks_taken_in_one_order_never_deadlock(SchedulingStrategy strategy)
    {
        var r = ExploreOwn(new LockScenario(LockScenario.Kind.Ordered), strategy, 100);

        Assert.False(r.BugFound, Describe(r));
    }

    [Theory]
    [MemberData(nameof(AllStrategies))]
    public void An_operation_that_returns_holding_a_lock_is_reported(SchedulingStrategy strategy)
    {
        var r = ExploreOwn(new LockScenario(LockScenario.Kind.Leak), strategy, 10);

        Assert.True(r.BugFound, Describe(r));
        Assert.Equal(1, r.FirstBugIteration);
        Assert.StartsWith("[lockdep] CPU 0 returned from", r.Violation);
        Assert.Contains("still holding zone->lock taken at rmqueue_bulk", r.Violation);
    }

    [Theory]
    [MemberData(nameof(AllStrategies))]
    public void An_operation_that_spins_forever_is_reported(SchedulingStrategy strategy)
    {
        var r = ExploreOwn(new LockScenario(LockScenario.Kind.Livelock), strategy, 10);

        Assert.True(r.BugFound, Describe(r));
        Assert.Equal(Violations.Liveness, r.Invariant);
        Assert.Contains("operation never completes: CPU 0 took", r.Violation);
    }

    private static ExploreResult ExploreOwn(Scenario scenario, SchedulingStrategy strategy, int iterations) =>
        Explorer.Explore(scenario, new ExploreOptions
        {
            Scenario = scenario.Name,
            Design = DesignKind.Mainline,
            Iterations = iterations,
            Strategy = strategy,
            Seed = TestBudgets.Seed,
            TraceDirectory = TraceDirectory,
        });

    /// <summary>Scenarios that misuse the seam's locks directly, to check what the engine reports.</summary>
    private sealed class LockScenario(LockScenario.Kind kind) : Scenario
    {
        public enum Kind
        {
            Inversion,
            Ordered,
            Leak,
            Livelock,
        }

        public override string Name => $"engine-{kind.ToString().ToLowerInvariant()}";

        public override string Description => "a misuse of the seam's locks";

        public override IReadOnlyList<DesignKind> Designs => [DesignKind.Mainline];

        public override ScenarioConfig Configure(DesignKind design) => new() { Cpus = 2, Zone = "8M" };

        public override ScenarioIteration Start(ScenarioRun run) => new Iteration(run, kind);

        private sealed class Iteration(ScenarioRun run, Kind kind) : ScenarioIteration(run)
        {
            private EmuSpinLock _pcp = new(LockClass.Pcp, 0); // do not make readonly: a CAS target
            private EmuSpinLock _zone = new(LockClass.Zone, 0);
            private int _flag; // nobody sets it: the waiter spins forever

            public void Set() => Volatile.Write(ref _flag, 1);

            public override void Setup()
            {
            }

            public override IReadOnlyList<CpuScript> Scripts() => kind switch
            {
                Kind.Inversion => [new(0, "pcp then zone", () => Both(0, zoneFirst: false)), new(1, "zone then pcp", () => Both(1, zoneFirst: true))],
                Kind.Ordered => [new(0, "pcp then zone", () => Both(0, zoneFirst: false)), new(1, "pcp then zone", () => Both(1, zoneFirst: false))],
                Kind.Leak => [new(0, "returns holding zone->lock", () => Run.Do(0, "leak", () => Run.Execution.Lock(ref _zone, 0, LockSite.Refill)))],
                _ =>
                [
                    new(0, "waits for a flag nobody sets", () => Run.Do(0, "wait for the flag", () =>
                    {
                        while (Volatile.Read(ref _flag) == 0)
                        {
                            Run.Execution.Interleave();
                        }
                    })),
                    new(1, "does something else", () => Run.Do(1, "nothing", () => Run.Execution.Interleave())),
                ],
            };

            private void Both(int cpu, bool zoneFirst) => Run.Do(cpu, "take both locks", () =>
            {
                var x = Run.Execution;
                if (zoneFirst)
                {
                    x.Lock(ref _zone, cpu, LockSite.FreeBulk);
                    x.Lock(ref _pcp, cpu, LockSite.PcpDrain);
                }
                else
                {
                    x.Lock(ref _pcp, cpu, LockSite.PcpDrain);
                    x.Lock(ref _zone, cpu, LockSite.FreeBulk);
                }

                x.Unlock(ref _zone, cpu);
                x.Unlock(ref _pcp, cpu);
            });
        }
    }
}
