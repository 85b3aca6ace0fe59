using BenchmarkDotNet.Configs;

namespace PcpTestbed.Benchmarks.Suite;

/// <summary>[Config] of the classes that rebuild their state per iteration: <see cref="SuiteJobs.SingleShot"/> (or dry).</summary>
public sealed class SingleShotConfig : ManualConfig
{
    public SingleShotConfig() => AddJob(SuiteJobs.Pick(SuiteJobs.SingleShot));
}
