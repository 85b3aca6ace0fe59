using System.Numerics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using PcpTestbed.Benchmarks.Suite;
using PcpTestbed.Coyote;
using PcpTestbed.Coyote.Dfs;
using PcpTestbed.Designs;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Benchmarks.Benchmarks;

/// <summary>
/// Our scheduler's own costs (explore --exhaustive): one schedule of a synthetic scenario whose two CPUs each make
/// <see cref="PointsPerCpu"/> racy reads, nothing else. <see cref="Alternate"/> false runs the default policy (each CPU
/// runs all its steps, one hand-over in all); true hands the baton to the other CPU at every step. The cost of a step
/// is the slope of the continuing schedule's time over its steps (the per-schedule setup cancels), the cost of a
/// hand-over the alternating slope less the step's. <see cref="SpinCount"/> is the baton's spin before it blocks.
/// </summary>
[Config(typeof(Config))]
public class DfsSchedulerBenchmarks
{
    private DfsController _controller = null!;
    private IterationRunner _runner = null!;
    private IScheduleChooser _chooser = null!;

    [Params(100, 1000)]
    public int PointsPerCpu { get; set; }

    [Params(false, true)]
    public bool Alternate { get; set; }

    [Params(1, 20, 200)]
    public int SpinCount { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var scenario = new ReadsScenario(PointsPerCpu);
        _runner = new IterationRunner(scenario, DesignKind.Mainline, InjectedBug.None, scenario.Configure(DesignKind.Mainline));
        _controller = new DfsController(2, maxSteps: 1_000_000, SpinCount);
        _chooser = Alternate ? new AlternatingChooser() : new DefaultChooser();
    }

    [GlobalCleanup]
    public void Cleanup() => _controller.Dispose();

    /// <summary>One schedule; returns its steps.</summary>
    [Benchmark]
    public int Schedule()
    {
        var state = _controller.RunIteration(_runner, _chooser);
        if (state.Violation != null || _controller.Trace.Count != 2 * (PointsPerCpu + 1))
        {
            throw new InvalidOperationException($"the schedule ran {_controller.Trace.Count} steps: {state.Violation}");
        }

        return _controller.Trace.Count;
    }

    /// <summary>Many short monitored iterations: a schedule takes 0.1 to a few ms.</summary>
    private sealed class Config : ManualConfig
    {
        public Config() => AddJob(SuiteJobs.Pick(Job.Default
            .WithId("dfs")
            .WithStrategy(RunStrategy.Monitoring)
            .WithLaunchCount(1)
            .WithWarmupCount(5)
            .WithIterationCount(40)
            .WithInvocationCount(16)
            .WithUnrollFactor(1)));
    }

    private sealed class DefaultChooser : IScheduleChooser
    {
        public int Choose(DfsController controller, int index, int enabled, int previous) => SchedulePolicy.Default(enabled, previous);
    }

    private sealed class AlternatingChooser : IScheduleChooser
    {
        public int Choose(DfsController controller, int index, int enabled, int previous)
        {
            var others = previous >= 0 ? enabled & ~(1 << previous) : enabled;
            return BitOperations.TrailingZeroCount(others != 0 ? others : enabled);
        }
    }

    /// <summary>Two CPUs, each reading its own location <c>points</c> times: steps and nothing shared.</summary>
    private sealed class ReadsScenario(int points) : Scenario
    {
        public override string Name => "bench-reads";

        public override string Description => "two CPUs, racy reads only";

        public override IReadOnlyList<DesignKind> Designs => [DesignKind.Mainline];

        public override ScenarioConfig Configure(DesignKind design) => new() { Cpus = 2, Zone = "8M" };

        public override ScenarioIteration Start(ScenarioRun run) => new Iteration(run, points);

        private sealed class Iteration(ScenarioRun run, int points) : ScenarioIteration(run)
        {
            public override void Setup()
            {
            }

            public override IReadOnlyList<CpuScript> Scripts() => [new(0, "reads", () => Reads(0)), new(1, "reads", () => Reads(1))];

            private void Reads(int cpu)
            {
                for (var i = 0; i < points; i++)
                {
                    Run.Execution.SharedRead(SharedLocation.Scenario(cpu), AccessSite.Scenario);
                }
            }
        }
    }
}
