using PcpTestbed.Coyote;
using PcpTestbed.Designs;

namespace PcpTestbed.Coyote.Tests;

/// <summary>
/// The base of every test here, as in Coyote's own bug-finding tests: before any test runs, a deliberately
/// racy scenario (the canary) must be found. If Coyote did not control the execution seam, every clean result
/// below would be meaningless, so a broken setup fails every test instead of passing quietly.
/// </summary>
public abstract class ControlledTest
{
    private static readonly Lazy<ExploreResult> CanaryProof = new(() => Explorer.Explore(new ExploreOptions
    {
        Scenario = Catalog.CanaryScenario,
        Design = DesignKind.Mainline,
        Iterations = 100,
        Seed = 1,
        TraceDirectory = TraceDirectory,
    }));

    protected ControlledTest()
    {
        var proof = CanaryProof.Value;
        if (!proof.BugFound)
        {
            throw new InvalidOperationException(
                $"the canary race was not found in {proof.Iterations} iterations: Coyote does not control the execution seam, so no clean result can be trusted");
        }
    }

    /// <summary>Where this test run's trace files go: the test process's folder, deleted when it exits.</summary>
    protected static string TraceDirectory { get; } = TempDirectory.Process.Path;

    /// <summary>Strategies cheap enough to run the same test body under each.</summary>
    public static TheoryData<SchedulingStrategy> Strategies => new(
        SchedulingStrategy.Portfolio,
        SchedulingStrategy.Random,
        SchedulingStrategy.Pct,
        SchedulingStrategy.FairPct,
        SchedulingStrategy.Probabilistic,
        SchedulingStrategy.DelayBounding);

    /// <summary>Every strategy, Q-learning included (it explores slowly, so only the quickest bodies use it).</summary>
    public static TheoryData<SchedulingStrategy> AllStrategies => new(SchedulingStrategies.All);

    protected static ExploreResult Explore(string scenario, DesignKind design, InjectedBug bugs, int iterations,
                                           SchedulingStrategy strategy = SchedulingStrategy.Portfolio, uint seed = TestBudgets.Seed) =>
        Explorer.Explore(new ExploreOptions
        {
            Scenario = scenario,
            Design = design,
            Bugs = bugs,
            Iterations = iterations,
            Strategy = strategy,
            Seed = seed,
            TraceDirectory = TraceDirectory,
        });

    /// <summary>Explores a scenario of the test's own (not in the catalogue) on mainline, under the tests' seed.</summary>
    protected static ExploreResult ExploreOwn(Scenario scenario, SchedulingStrategy strategy, int iterations, string? sought = null, bool checkLockOrder = true) =>
        Explorer.Explore(scenario, new ExploreOptions
        {
            Scenario = scenario.Name,
            Design = DesignKind.Mainline,
            Iterations = iterations,
            Strategy = strategy,
            Seed = TestBudgets.Seed,
            TraceDirectory = TraceDirectory,
            SoughtInvariant = sought,
            CheckLockOrder = checkLockOrder,
        });

    protected static string Describe(ExploreResult r) =>
        $"{r.Scenario} on {r.Design} [{string.Join(",", r.Bugs)}] under {r.Strategy}: {(r.BugFound ? $"bug at iteration {r.FirstBugIteration}: {r.Violation}" : $"clean over {r.Iterations} iterations")}";
}
