using BenchmarkDotNet.Attributes;
using PcpTestbed.Benchmarks.Rigs;
using PcpTestbed.Benchmarks.Suite;
using PcpTestbed.Designs;
using PcpTestbed.Execution.Cpus;
using PcpTestbed.Execution.Recorder;

namespace PcpTestbed.Benchmarks.Benchmarks;

/// <summary>
/// The order-0 alloc+free pair of <see cref="PcpHitBenchmarks"/> as a run's CPU makes it: noting each entry point in its
/// activity record (the stuck-CPU report's), with the flight recorder on (<see cref="Recorder"/>) or off. The target: on
/// at most 5 % above off, in the same run (issue 15). Lock recording off, lockdep off, 1 GiB zone, 2 emulated CPUs.
/// Each case runs in five processes (<see cref="SuiteJobs.HotPathLaunches"/>): the ratio's margin is smaller than one
/// process's placement luck.
/// </summary>
[Config(typeof(FlightRecorderConfig))]
[MemoryDiagnoser]
public class FlightRecorderBenchmarks
{
    private AllocatorRig _rig = null!;

    /// <summary>The design; mainline is the baseline (the "vs mainline" column).</summary>
    [ParamsAllValues]
    public DesignKind Design { get; set; }

    /// <summary>Whether each CPU writes its operations to the flight recorder's ring.</summary>
    [ParamsAllValues]
    public bool Recorder { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var activity = new CpuActivityTable(AllocatorRig.Cpus);
        _rig = AllocatorRig.Create(Design, LockRecording.Off, zoneGiB: 1, activity, Recorder ? new FlightRecorder(activity) : null);
        TierWarmup.Run(Pair);
        _rig.VerifyPcpHitSteadyState(n => _rig.Pairs(0, 0, n), "the order-0 pair with the run's activity notes");
    }

    [Benchmark(OperationsPerInvoke = PcpHitBenchmarks.PairsPerInvoke)]
    public void Pair() => _rig.Pairs(0, 0, PcpHitBenchmarks.PairsPerInvoke);
}
