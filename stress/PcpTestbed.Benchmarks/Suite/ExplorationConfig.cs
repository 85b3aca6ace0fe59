using BenchmarkDotNet.Configs;

namespace PcpTestbed.Benchmarks.Suite;

/// <summary>[Config] of the Coyote exploration class: <see cref="SuiteJobs.Exploration"/> (or dry).</summary>
public sealed class ExplorationConfig : ManualConfig
{
    public ExplorationConfig() => AddJob(SuiteJobs.Pick(SuiteJobs.Exploration));
}
