using PcpTestbed.Coyote.Dfs;
using PcpTestbed.Coyote.Repro;
using PcpTestbed.Designs;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote.Tests;

/// <summary>
/// A reproduction file's rebuilt state: its scenario's setup alone, run serially, no script run; or one whole iteration, its
/// scripts under our scheduler with a chosen schedule (<see cref="RunUnder"/>).
/// </summary>
internal static class ReproSetup
{
    /// <summary>Steps an iteration under <see cref="RunUnder"/> may take: far above what the small files of these tests take.</summary>
    private const int MaxSteps = 100_000;

    /// <summary>Runs setup for <paramref name="window"/> operations per CPU left to the scripts (1 &lt;&lt; 20: all, so setup only rebuilds the window's start).</summary>
    public static ScenarioRun Run(ReproFile file, int window) => Run(new ReproScenario(file, window));

    /// <summary>Runs one iteration's setup of <paramref name="repro"/> (a scenario keeps what its first iteration's setup left).</summary>
    public static ScenarioRun Run(ReproScenario repro)
    {
        var scenario = new Capture(repro);
        var design = scenario.Designs.Single();
        var runner = new IterationRunner(scenario, design, scenario.Bugs, scenario.Configure(design));
        runner.RunIteration(new SetupController());
        return scenario.Run!;
    }

    /// <summary>
    /// One iteration of <paramref name="repro"/>, setup and scripts, under our scheduler with <paramref name="chooser"/> picking
    /// every step: the run (the allocator as the iteration left it) and the iteration's violation, or null.
    /// </summary>
    public static (ScenarioRun Run, string? Violation) RunUnder(ReproScenario repro, IScheduleChooser chooser)
    {
        var scenario = new Capture(repro);
        var design = scenario.Designs.Single();
        var config = scenario.Configure(design);
        var runner = new IterationRunner(scenario, design, scenario.Bugs, config);
        using var controller = new DfsController(config.Cpus, MaxSteps);
        var state = controller.RunIteration(runner, chooser);
        return (scenario.Run!, state.Violation);
    }

    /// <summary>The repro scenario, keeping the run it started.</summary>
    private sealed class Capture(ReproScenario inner) : Scenario
    {
        public ScenarioRun? Run { get; private set; }

        public InjectedBug Bugs => inner.Bugs;

        public override string Name => inner.Name;

        public override string Description => inner.Description;

        public override IReadOnlyList<DesignKind> Designs => inner.Designs;

        public override ScenarioConfig Configure(DesignKind design) => inner.Configure(design);

        public override ScenarioIteration Start(ScenarioRun run)
        {
            Run = run;
            return inner.Start(run);
        }
    }

    /// <summary>Setup runs serially; the scripts are not run. A wait or a failure would be a bug of the rebuild: it throws.</summary>
    private sealed class SetupController : IIterationController
    {
        public void Point(IterationState state, int cpu, in PendingStep step)
        {
        }

        public void AwaitRelease(IterationState state, int cpu, ref EmuSpinLock l, LockSite site, ref int attempts) =>
            throw new InvalidOperationException($"CPU {cpu} waits for a lock in setup");

        public void Released(LockClass c, int instance)
        {
        }

        public bool AwaitScenario(IterationState state, int cpu, SharedLocation location) =>
            throw new InvalidOperationException($"CPU {cpu} waits for {location.Name} in setup");

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
