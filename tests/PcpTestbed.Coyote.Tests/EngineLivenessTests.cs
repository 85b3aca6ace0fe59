using PcpTestbed.Coyote;
using PcpTestbed.Coyote.Dfs;
using PcpTestbed.Designs;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote.Tests;

/// <summary>
/// The engine turns a lock-order inversion, a deadlock, a leaked lock and an operation that spins forever into
/// failures that name the CPUs, locks and call sites, under every strategy (PCT included: waiters park, so they
/// never starve a holder), and so does our own scheduler.
/// </summary>
public sealed class EngineLivenessTests : ControlledTest
{
    [Theory]
    [MemberData(nameof(AllStrategies))]
    public void A_lock_order_inversion_is_reported_by_lockdep_with_both_orders_sites_deadlock_or_not(SchedulingStrategy strategy)
    {
        var r = ExploreOwn(new LockScenario(LockScenario.Kind.Inversion), strategy, 300);

        Assert.True(r.BugFound, Describe(r));
        Assert.Equal(1, r.FirstBugIteration);
        Assert.Equal(Violations.Lockdep, r.Invariant);
        Assert.StartsWith("[lockdep] possible circular locking dependency detected: CPU", r.Violation);
        Assert.Contains("but the reverse order was seen before: CPU", r.Violation);
        Assert.Contains("pcp->lock", r.Violation);
        Assert.Contains("zone->lock", r.Violation);
        Assert.Contains("at drain_pages_zone", r.Violation);
        Assert.Contains("at free_pcppages_bulk", r.Violation);
    }

    [Fact]
    public void An_inversion_between_two_iterations_is_reported_in_the_second()
    {
        var r = ExploreOwn(new LockScenario(LockScenario.Kind.InversionAcrossIterations), SchedulingStrategy.Random, 10);

        Assert.True(r.BugFound, Describe(r));
        Assert.Equal(2, r.FirstBugIteration);
        Assert.StartsWith("[lockdep] possible circular locking dependency detected: CPU 0 takes pcp->lock#0 at drain_pages_zone " +
                          "while holding zone->lock taken at free_pcppages_bulk, but the reverse order was seen before: CPU 0 took zone->lock " +
                          "at free_pcppages_bulk while holding pcp->lock taken at drain_pages_zone", r.Violation);
        Assert.Contains(r.LockOrder, e => e is { Outer: "pcp->lock", Inner: "zone->lock", OuterSite: "drain_pages_zone", InnerSite: "free_pcppages_bulk" });
    }

    [Theory]
    [MemberData(nameof(AllStrategies))]
    public void A_deadlock_is_reported_as_an_operation_that_never_completes(SchedulingStrategy strategy)
    {
        // Lockdep's order check would report the inversion before any CPU waits; without it the wait-for chain finds the cycle.
        var r = ExploreOwn(new LockScenario(LockScenario.Kind.Inversion), strategy, 300, checkLockOrder: false);

        Assert.True(r.BugFound, Describe(r));
        Assert.Equal(Violations.Liveness, r.Invariant);
        Assert.Contains("operation never completes: CPU", r.Violation);
        Assert.Contains("(a deadlock)", r.Violation);
        Assert.Contains("pcp->lock#0", r.Violation);
        Assert.Contains("zone->lock", r.Violation);
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void Two_pcp_locks_taken_with_spin_lock_are_possible_recursive_locking(SchedulingStrategy strategy)
    {
        var r = ExploreOwn(new LockScenario(LockScenario.Kind.TwoPcpLocks), strategy, 10);

        Assert.True(r.BugFound, Describe(r));
        Assert.Equal(1, r.FirstBugIteration);
        Assert.Equal("[lockdep] possible recursive locking detected: CPU 0 takes pcp->lock#1 at drain_pages_zone while holding pcp->lock#0 " +
                     "taken at rmqueue_pcplist (same class, no nesting annotation)", r.Violation);
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void A_second_pcp_lock_taken_with_trylock_is_allowed_as_in_lockdep(SchedulingStrategy strategy)
    {
        var r = ExploreOwn(new LockScenario(LockScenario.Kind.PcpTrylockNested), strategy, 20);

        Assert.False(r.BugFound, Describe(r));
        Assert.Empty(r.LockOrder);
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

    [Fact]
    public void Our_scheduler_reports_a_lock_order_inversion_with_both_orders_sites()
    {
        var r = ExploreOwnExhaustively(new LockScenario(LockScenario.Kind.Inversion));

        Assert.Equal(ExhaustiveVerdict.BugFound, r.Verdict);
        Assert.StartsWith("[lockdep] possible circular locking dependency detected: CPU", r.Violation);
        Assert.Contains("at drain_pages_zone", r.Violation);
        Assert.Contains("at free_pcppages_bulk", r.Violation);
    }

    [Fact]
    public void Our_scheduler_reports_a_deadlock_with_its_wait_for_chain()
    {
        var r = ExploreOwnExhaustively(new LockScenario(LockScenario.Kind.Inversion), checkLockOrder: false);

        Assert.Equal(ExhaustiveVerdict.BugFound, r.Verdict);
        Assert.Equal(Violations.Liveness, r.Invariant);
        Assert.Contains("operation never completes: CPU", r.Violation);
        Assert.Contains("(a deadlock)", r.Violation);
        Assert.Contains("pcp->lock#0", r.Violation);
        Assert.Contains("zone->lock", r.Violation);
        Assert.InRange(r.Preemptions!.Value, 1, 2);
    }

    [Fact]
    public void Our_scheduler_finds_locks_taken_in_one_order_never_deadlock()
    {
        var r = ExploreOwnExhaustively(new LockScenario(LockScenario.Kind.Ordered));

        Assert.Equal(ExhaustiveVerdict.Holds, r.Verdict);
        Assert.True(r.Schedules > 1, $"{r.Schedules} schedules");
    }

    [Fact]
    public void Our_scheduler_reports_a_lock_held_at_return_and_recursive_locking()
    {
        var leak = ExploreOwnExhaustively(new LockScenario(LockScenario.Kind.Leak));
        var recursive = ExploreOwnExhaustively(new LockScenario(LockScenario.Kind.TwoPcpLocks));
        var trylockNested = ExploreOwnExhaustively(new LockScenario(LockScenario.Kind.PcpTrylockNested));

        Assert.StartsWith("[lockdep] CPU 0 returned from", leak.Violation);
        Assert.StartsWith("[lockdep] possible recursive locking detected: CPU 0 takes pcp->lock#1", recursive.Violation);
        Assert.Equal(ExhaustiveVerdict.Holds, trylockNested.Verdict);
    }

    [Fact]
    public void Our_scheduler_reports_an_operation_that_spins_forever()
    {
        // The first schedule never preempts the spinning CPU: its operation runs out of steps.
        var r = ExploreOwnExhaustively(new LockScenario(LockScenario.Kind.Livelock));

        Assert.Equal(1, r.FailingSchedule);
        Assert.Equal(Violations.Liveness, r.Invariant);
        Assert.Contains("operation never completes: CPU 0 took", r.Violation);
    }

    private static ExhaustiveResult ExploreOwnExhaustively(Scenario scenario, bool checkLockOrder = true) =>
        ExhaustiveExplorer.Explore(scenario, new ExhaustiveOptions
        {
            Scenario = scenario.Name,
            Design = DesignKind.Mainline,
            PreemptionBound = 2,
            TraceDirectory = TraceDirectory,
            CheckLockOrder = checkLockOrder,
        });

    /// <summary>Scenarios that misuse the seam's locks directly, to check what the engine reports.</summary>
    private sealed class LockScenario(LockScenario.Kind kind) : Scenario
    {
        private int _iterations; // InversionAcrossIterations: odd iterations take one order, even ones the other

        public enum Kind
        {
            Inversion,
            InversionAcrossIterations,
            Ordered,
            Leak,
            Livelock,
            TwoPcpLocks,
            PcpTrylockNested,
        }

        public override string Name => $"engine-{kind.ToString().ToLowerInvariant()}";

        public override string Description => "a misuse of the seam's locks";

        public override IReadOnlyList<DesignKind> Designs => [DesignKind.Mainline];

        public override ScenarioConfig Configure(DesignKind design) => new() { Cpus = 2, Zone = "8M" };

        public override ScenarioIteration Start(ScenarioRun run) => new Iteration(run, kind, ++_iterations);

        private sealed class Iteration(ScenarioRun run, Kind kind, int number) : ScenarioIteration(run)
        {
            private EmuSpinLock _pcp = new(LockClass.Pcp, 0); // do not make readonly: a CAS target
            private EmuSpinLock _pcp1 = new(LockClass.Pcp, 1);
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
                Kind.InversionAcrossIterations =>
                [
                    new(0, "one order per iteration", () => Both(0, zoneFirst: number % 2 == 0)),
                ],
                Kind.Leak => [new(0, "returns holding zone->lock", () => Run.Do(0, "leak", () => Run.Execution.Lock(ref _zone, 0, LockSite.Refill)))],
                Kind.TwoPcpLocks => [new(0, "two pcp->locks with spin_lock", () => TwoPcp(0, trylock: false))],
                Kind.PcpTrylockNested => [new(0, "a second pcp->lock with trylock", () => TwoPcp(0, trylock: true)), new(1, "the same", () => TwoPcp(1, trylock: true))],
                _ =>
                [
                    new(0, "waits for a flag nobody sets", () => Run.Do(0, "wait for the flag", () =>
                    {
                        while (Volatile.Read(ref _flag) == 0)
                        {
                            Run.Execution.SharedRead(SharedLocation.Scenario(0), AccessSite.Scenario);
                        }
                    })),
                    new(1, "does something else", () => Run.Do(1, "nothing", () => Run.Execution.SharedRead(SharedLocation.Scenario(0), AccessSite.Scenario))),
                ],
            };

            private void TwoPcp(int cpu, bool trylock) => Run.Do(cpu, "take two pcp->locks", () =>
            {
                var x = Run.Execution;
                ref var first = ref cpu == 0 ? ref _pcp : ref _pcp1;
                ref var second = ref cpu == 0 ? ref _pcp1 : ref _pcp;
                if (!x.TryLock(ref first, cpu, LockSite.PcpAlloc))
                {
                    return;
                }

                if (!trylock)
                {
                    x.Lock(ref second, cpu, LockSite.PcpDrain);
                    x.Unlock(ref second, cpu);
                }
                else if (x.TryLock(ref second, cpu, LockSite.PcpDrain))
                {
                    x.Unlock(ref second, cpu);
                }

                x.Unlock(ref first, cpu);
            });

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
