using BenchmarkDotNet.Configs;

namespace PcpTestbed.Benchmarks.Suite;

/// <summary>[Config] of the hot-path classes: <see cref="SuiteJobs.HotPath"/> (or dry).</summary>
public sealed class HotPathConfig : ManualConfig
{
    public HotPathConfig() => AddJob(SuiteJobs.Pick(SuiteJobs.HotPath));
}
