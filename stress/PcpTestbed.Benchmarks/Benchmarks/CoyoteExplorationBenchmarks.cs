using BenchmarkDotNet.Attributes;
using PcpTestbed.Benchmarks.Suite;
using PcpTestbed.Coyote;

namespace PcpTestbed.Benchmarks.Benchmarks;

/// <summary>
/// Coyote exploration speed: <c>Explorer.Explore</c> with a fixed budget of <see cref="IterationsPerRun"/> iterations,
/// the default (portfolio) strategy and a fixed seed, so every invocation explores the same schedules. One
/// operation is one iteration: iterations per second = 1e9 / Mean [ns]. Every scenario on every design it applies
/// to, except the canary, which is built to fail at once and so never runs its budget.
/// </summary>
[Config(typeof(ExplorationConfig))]
[MemoryDiagnoser]
public class CoyoteExplorationBenchmarks
{
    public const int IterationsPerRun = 100;

    [ParamsSource(nameof(Cases))]
    public CoyoteCase Case { get; set; } = null!;

    public static IEnumerable<CoyoteCase> Cases() =>
        Catalog.Scenarios
            .Where(s => s.Name != Catalog.CanaryScenario)
            .SelectMany(s => s.Designs.Select(d => new CoyoteCase(s.Name, d)));

    [Benchmark(OperationsPerInvoke = IterationsPerRun)]
    public int Explore()
    {
        var result = Explorer.Explore(new ExploreOptions
        {
            Scenario = Case.Scenario,
            Design = Case.Design,
            Iterations = IterationsPerRun,
            Seed = 1,
        });
        if (result.BugFound || result.Iterations != IterationsPerRun)
        {
            throw new InvalidOperationException(
                $"{Case}: a clean exploration ran {result.Iterations} of {IterationsPerRun} iterations: {result.Violation}");
        }

        return result.Iterations;
    }
}
