using PcpTestbed.Coyote.Repro;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote.Tests;

/// <summary>
/// A scenario's wait points (a reproduction's death waiting for its victim, a free for its page's allocation, a parked CPU for
/// its online) are scheduled like reads but are not the design's work: they do not count against the operation step budget,
/// which reports a design that never completes an operation as liveness. The design's own points still do.
/// </summary>
public class ScenarioWaitPointTests
{
    [Fact]
    public void Wait_points_do_not_count_against_the_operation_step_budget()
    {
        var state = State(budget: 10);
        state.BeginOp(0, "page_alloc_cpu_dead(CPU 1)");

        for (var i = 0; i < 100; i++)
        {
            state.ScenarioWaitPoint(SharedLocation.Scenario(1));
        }

        Assert.Null(state.Violation);
        Assert.Equal(0, state.OpSteps(0));
    }

    [Fact]
    public void The_designs_own_points_still_count_and_fail_past_the_budget()
    {
        var state = State(budget: 10);
        state.BeginOp(0, "free(pfn 0x10, order 0)");
        state.ScenarioWaitPoint(SharedLocation.Scenario(1));

        var failure = Assert.Throws<InvalidOperationException>(() =>
        {
            for (var i = 0; i < 11; i++)
            {
                state.SharedRead(SharedLocation.Scenario(1), AccessSite.Scenario);
            }
        });

        Assert.StartsWith("[liveness] operation never completes: CPU 0 took 10 scheduling steps in free(pfn 0x10, order 0)", failure.Message);
    }

    [Theory]
    [InlineData(1u)]
    [InlineData(2u)]
    [InlineData(3u)]
    public void Under_coyote_a_waiting_cpu_takes_no_scheduling_point_until_what_it_waits_for_has_come(uint seed)
    {
        // CPU 1's free waits for CPU 0's last allocation, after 24 others (ReproCausalityTests.RoutedFree: the free fails lockdep
        // when it runs). A waiter the engine scheduled like a read took a point at each pick while CPU 0 allocated, half of
        // CPU 0's points or so: parked until an operation ends, it takes none, and still frees the page once it is allocated.
        var cpu0 = Enumerable.Range(1, 24).Select(i => new ReproOp { Seq = i - 1, Op = ReproOp.Alloc, Order = 0, Gfp = 0xcc0, Page = i })
            .Append(new ReproOp { Seq = 24, Op = ReproOp.Alloc, Order = 0, Gfp = 0xcc0, Page = 0 });
        var result = Explore(ReproCausalityTests.RoutedFree([[.. cpu0], [new ReproOp { Seq = 25, Op = ReproOp.Free, Order = 0, Page = 0 }]]), seed, iterations: 1);

        Assert.True(result.BugFound, result.Violation ?? "ran clean: the free never ran");
        Assert.StartsWith("[lockdep]", result.Violation);
        var scenarioSite = AccessSites.Name(AccessSite.Scenario);
        Assert.DoesNotContain(result.Steps, s => s.Cpu == 1 && s.Site == scenarioSite);
    }

    [Theory]
    [InlineData(1u)]
    [InlineData(2u)]
    [InlineData(3u)]
    public void Under_coyote_a_parked_waiter_runs_again_once_an_operation_brings_what_it_waits_for(uint seed)
    {
        // CPU 1's free waits for CPU 0's 13th allocation of 25. Woken only when no other CPU could run (CPU 0's script ended),
        // the free would always come after CPU 0's last allocation; woken as each operation ends, it runs among them. (A free
        // that meets CPU 0 inside an allocation, its pcp->lock held, is not routed and breaks nothing: up to 20 iterations.)
        var cpu0 = Enumerable.Range(1, 25).Select(i => new ReproOp { Seq = i - 1, Op = ReproOp.Alloc, Order = 0, Gfp = 0xcc0, Page = i == 13 ? 0 : i });
        var result = Explore(ReproCausalityTests.RoutedFree([[.. cpu0], [new ReproOp { Seq = 25, Op = ReproOp.Free, Order = 0, Page = 0 }]]), seed, iterations: 20);

        Assert.StartsWith("[lockdep]", result.Violation);
        Assert.True(result.Steps.Count(s => s.Cpu == 0 && s.Event.StartsWith("end", StringComparison.Ordinal)) < 25,
            "the free ran after every allocation of CPU 0");
    }

    /// <summary>Coyote iterations of <paramref name="file"/>'s scripts (one window holds them all) up to the first violation, with its trace's steps.</summary>
    private static ExploreResult Explore(ReproFile file, uint seed, int iterations)
    {
        var scenario = new ReproScenario(file, window: 32);
        using var temp = new TempDirectory();
        return Explorer.Explore(scenario, new ExploreOptions
        {
            Scenario = ReproScenario.ScenarioName, Design = scenario.Design, Bugs = scenario.Bugs, Iterations = iterations, Seed = seed, TraceDirectory = temp.Path,
        });
    }

    /// <summary>One CPU's iteration state, scheduling, whose controller counts each point as the Coyote controller does and throws on a failure.</summary>
    private static IterationState State(int budget)
    {
        IterationState.EnterCpu(0);
        return new IterationState(2, new CountingController(), new LockOrderGraph(), new CoverageRecorder(), null, checkOrder: false)
        {
            OpStepBudget = budget, Scheduling = true,
        };
    }

    private sealed class CountingController : IIterationController
    {
        public void Point(IterationState state, int cpu, in PendingStep step) => state.CountStep(cpu);

        public void AwaitRelease(IterationState state, int cpu, ref EmuSpinLock l, LockSite site, ref int attempts) =>
            throw new InvalidOperationException("no lock is taken here");

        public void Released(LockClass c, int instance)
        {
        }

        public bool AwaitScenario(IterationState state, int cpu, SharedLocation location)
        {
            state.SharedRead(location, AccessSite.Scenario);
            return true;
        }

        public void ScenarioChanged()
        {
        }

        [System.Diagnostics.CodeAnalysis.DoesNotReturn]
        public void Fail(string message) => throw new InvalidOperationException(message);

        public void RunScripts(IterationState state, IReadOnlyList<CpuScript> scripts, Action<CpuScript> run)
        {
        }
    }
}
