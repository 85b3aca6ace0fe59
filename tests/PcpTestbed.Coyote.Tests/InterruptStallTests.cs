using PcpTestbed.Designs;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote.Tests;

/// <summary>
/// Injected interrupts under Coyote (<see cref="InterruptStall"/>, landed by <see cref="CoyoteController"/>): a CPU at an
/// interrupt's site stalls until the other CPUs have taken the stall's scheduling steps, or until none of them can run.
/// </summary>
public class InterruptStallTests
{
    private const int Steps = 20;

    [Fact]
    public void An_interrupt_stalls_its_cpu_until_the_other_cpu_took_the_stalls_steps_in_every_explored_schedule()
    {
        // CPU 1 reads 3 * Steps times; CPU 0's read at the interrupt's site waits for Steps of them (its counter runs one
        // behind CPU 1's points: the Steps-th ends the stall before its own read is counted).
        var result = Explore(new Stalling(Steps * 3, interrupts: true), iterations: 100);

        Assert.False(result.BugFound, result.Violation);
        Assert.Equal(100, result.Iterations);
    }

    [Fact]
    public void Without_the_interrupt_a_schedule_runs_cpu_0_past_the_site_before_cpu_1_took_those_steps()
    {
        // The control: the check above can fail (Coyote runs CPU 0's read early in some schedule).
        var result = Explore(new Stalling(Steps * 3, interrupts: false), iterations: 100);

        Assert.True(result.BugFound);
        Assert.Contains("CPU 0 passed the interrupt's site after", result.Violation);
    }

    [Fact]
    public void A_stall_longer_than_the_other_cpus_work_ends_when_none_of_them_can_run_so_it_never_deadlocks()
    {
        // CPU 1 has 5 reads, far fewer than the stall's steps: CPU 0 goes on once CPU 1's script ended, after all 5.
        var result = Explore(new Stalling(5, interrupts: true, stallSteps: 1000), iterations: 50);

        Assert.False(result.BugFound, result.Violation);
    }

    [Fact]
    public void At_50_percent_of_points_some_iterations_stall_the_cpu_and_some_run_it_past_the_site_early()
    {
        // The draw is Coyote's controlled randomness (one generator per iteration's controller): over the iterations CPU 0 passes
        // its site both early (no interrupt drawn: fewer than Steps - 1 of CPU 1's reads) and late (stalled, or scheduled late).
        var gaps = new List<int>();
        var result = Explore(new Stalling(Steps * 3, interrupts: true, percent: 50, gaps: gaps), iterations: 100);

        Assert.False(result.BugFound, result.Violation);
        Assert.Equal(100, gaps.Count);
        Assert.Contains(gaps, gap => gap < Steps - 1);
        Assert.Contains(gaps, gap => gap >= Steps - 1);
    }

    private static ExploreResult Explore(Stalling scenario, int iterations) =>
        Explorer.Explore(scenario, new ExploreOptions { Scenario = scenario.Name, Design = DesignKind.Mainline, Iterations = iterations, Seed = 1 });

    /// <summary>
    /// Two CPUs: CPU 0 reads once at the interrupt's site (remote_free_push:read_head); CPU 1 reads <c>reads</c> times at
    /// another (a scenario location), counting each read after it returns. At the end, CPU 0 must have passed its site after at
    /// least Steps - 1 of CPU 1's reads since it reached it, or after all of them (CPU 1 ended: nobody else could run).
    /// </summary>
    /// <remarks>With <c>gaps</c>, each iteration's count of CPU 1's reads while CPU 0 was at its site is recorded there instead of checked.</remarks>
    private sealed class Stalling(int reads, bool interrupts, int stallSteps = Steps, int percent = 100, List<int>? gaps = null) : Scenario
    {
        public override string Name => "interrupt-stall";

        public override string Description => "a CPU stalled by an interrupt while another reads";

        public override IReadOnlyList<DesignKind> Designs => [DesignKind.Mainline];

        public override ScenarioConfig Configure(DesignKind design)
        {
            var points = new bool[PointSites.Count];
            points[PointSites.Of(AccessSite.RemotePushReadHead)] = interrupts;
            return new ScenarioConfig { Cpus = 2, Zone = "8M", Interrupts = new InterruptStall(points, percent, stallSteps) };
        }

        public override ScenarioIteration Start(ScenarioRun run) => new Iteration(run, reads, stallSteps, gaps);

        private sealed class Iteration(ScenarioRun run, int reads, int stallSteps, List<int>? gaps) : ScenarioIteration(run)
        {
            private int _read; // CPU 1's reads so far: written by CPU 1, read by CPU 0, no point between (one thread runs at a time)
            private int _before = -1;
            private int _after = -1;

            public override void Setup()
            {
            }

            public override IReadOnlyList<CpuScript> Scripts() =>
            [
                new CpuScript(0, "one read at the interrupt's site", () => Run.Do(0, "read at the site", () =>
                {
                    _before = _read;
                    Run.Execution.SharedRead(SharedLocation.Scenario(0), AccessSite.RemotePushReadHead);
                    _after = _read;
                })),
                new CpuScript(1, $"{reads} reads elsewhere", () => Run.Do(1, "reads", () =>
                {
                    for (var i = 0; i < reads; i++)
                    {
                        Run.Execution.SharedRead(SharedLocation.Scenario(1), AccessSite.Scenario);
                        _read++;
                    }
                })),
            ];

            public override string? CheckFinal() =>
                gaps != null ? Record(gaps, _after - _before)
                : _after - _before >= stallSteps - 1 || _after == reads ? null
                : $"[scenario] CPU 0 passed the interrupt's site after {_after - _before} of CPU 1's reads, expected at least {stallSteps - 1} or all {reads}";

            private static string? Record(List<int> into, int gap)
            {
                into.Add(gap);
                return null;
            }
        }
    }
}
