using BenchmarkDotNet.Configs;

namespace PcpTestbed.Benchmarks.Suite;

/// <summary>[Config] of the flight recorder's class: <see cref="SuiteJobs.HotPathLaunches"/> (or dry).</summary>
public sealed class FlightRecorderConfig : ManualConfig
{
    public FlightRecorderConfig() => AddJob(SuiteJobs.Pick(SuiteJobs.HotPathLaunches));
}
