using PcpTestbed.Coyote;
using PcpTestbed.Coyote.Dfs;
using PcpTestbed.Designs;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote.Tests;

/// <summary>
/// A trylock fails while a CPU waits for the lock in spin_lock(), under both engines, as on OS threads and as
/// queued_spin_trylock() fails on the lock word the first waiter's pending bit keeps non-zero: even in the instant the
/// lock is free, and never does a trylock take the lock from under a waiter.
/// </summary>
public sealed class TrylockWaiterTests : ControlledTest
{
    [Fact]
    public void Under_coyote_a_trylock_fails_on_a_free_lock_while_a_cpu_waits_for_it()
    {
        var scenario = new WaiterScenario(probe: true);

        var r = Explorer.Explore(scenario, new ExploreOptions { Scenario = scenario.Name, Design = DesignKind.Mainline, Iterations = 2000, Seed = 1, TraceDirectory = TraceDirectory });

        Assert.True(r.BugFound, Describe(r));
        Assert.Equal(WaiterScenario.ProbeViolation, r.Violation);
        Assert.Contains(r.Steps, s => s.Event == "trylock pcp->lock#0 failed (CPU 1 waits for it in spin_lock)");
    }

    [Fact]
    public void Under_our_scheduler_a_trylock_fails_on_a_free_lock_while_a_cpu_waits_for_it()
    {
        var scenario = new WaiterScenario(probe: true);

        var r = ExhaustiveExplorer.Explore(scenario, new ExhaustiveOptions { Scenario = scenario.Name, Design = DesignKind.Mainline, TraceDirectory = TraceDirectory });

        Assert.Equal(ExhaustiveVerdict.BugFound, r.Verdict);
        Assert.Equal(WaiterScenario.ProbeViolation, r.Violation);
    }

    [Fact]
    public void Under_our_scheduler_no_trylock_takes_a_lock_a_cpu_waits_for_in_any_schedule()
    {
        var scenario = new WaiterScenario(probe: false);
        var schedulesWithAWaiter = 0;
        var takenFromAWaiter = new List<string>();

        var r = ExhaustiveExplorer.Explore(scenario, new ExhaustiveOptions
        {
            Scenario = scenario.Name,
            Design = DesignKind.Mainline,
            PreemptionBound = 3,
            Reduction = false,
            OnSchedule = (_, steps) =>
            {
                var waiting = false;
                foreach (var s in steps)
                {
                    if (s.Cpu == 1 && s.Event.StartsWith("wait for pcp->lock#0", StringComparison.Ordinal))
                    {
                        waiting = true;
                        schedulesWithAWaiter++;
                    }
                    else if (s.Cpu == 1 && s.Event == "lock pcp->lock#0")
                    {
                        waiting = false;
                    }
                    else if (waiting && s.Event == "trylock pcp->lock#0 taken")
                    {
                        takenFromAWaiter.Add(string.Join("; ", steps.Select(t => $"CPU {t.Cpu} {t.Event}")));
                    }
                }
            },
        });

        Assert.Equal(ExhaustiveVerdict.Holds, r.Verdict);
        Assert.True(schedulesWithAWaiter > 0, "no schedule had CPU 1 wait");
        Assert.Empty(takenFromAWaiter);
    }

    /// <summary>
    /// CPU 0 holds the lock across a point; CPU 1 takes it with spin_lock(); CPU 2 tries it with trylock. The probe fails
    /// the iteration when CPU 2's trylock fails on a free lock, which only a waiter can cause.
    /// </summary>
    private sealed class WaiterScenario(bool probe) : Scenario
    {
        public const string ProbeViolation = "[probe] CPU 2's trylock failed on a free lock (at the end)";

        public override string Name => "engine-trylock-waiter";

        public override string Description => "spin_lock() waiter vs trylock";

        public override IReadOnlyList<DesignKind> Designs => [DesignKind.Mainline];

        public override ScenarioConfig Configure(DesignKind design) => new() { Cpus = 3, Zone = "8M" };

        public override ScenarioIteration Start(ScenarioRun run) => new Iteration(run, probe);

        private sealed class Iteration(ScenarioRun run, bool probe) : ScenarioIteration(run)
        {
            private EmuSpinLock _lock = new(LockClass.Pcp, 0); // do not make readonly: a CAS target
            private bool _failedOnFree;

            public override void Setup()
            {
            }

            public override IReadOnlyList<CpuScript> Scripts() =>
            [
                new(0, "holds the lock across a point", () =>
                {
                    Run.Execution.Lock(ref _lock, 0, LockSite.PcpDrain);
                    Run.Execution.SharedWrite(SharedLocation.Scenario(0), AccessSite.Scenario);
                    Run.Execution.Unlock(ref _lock, 0);
                }),
                new(1, "spin_lock()", () =>
                {
                    Run.Execution.Lock(ref _lock, 1, LockSite.PcpDrain);
                    Run.Execution.Unlock(ref _lock, 1);
                }),
                new(2, "spin_trylock()", () =>
                {
                    if (Run.Execution.TryLock(ref _lock, 2, LockSite.PcpAlloc))
                    {
                        Run.Execution.Unlock(ref _lock, 2);
                    }
                    else if (_lock.State == 0)
                    {
                        _failedOnFree = true;
                    }
                }),
            ];

            public override string? CheckFinal() => probe && _failedOnFree ? "[probe] CPU 2's trylock failed on a free lock" : null;
        }
    }
}
