using BenchmarkDotNet.Attributes;
using PcpTestbed.Benchmarks.Rigs;
using PcpTestbed.Benchmarks.Suite;
using PcpTestbed.Designs;

namespace PcpTestbed.Benchmarks.Benchmarks;

/// <summary>
/// The order-0 PCP-hit pair (recording off) on a 1 GiB and a 64 GiB zone (the largest the model takes): a hit
/// must not cost more because the zone's page array, pageblock array or free lists are larger. The 64 GiB zone
/// (16 Mi pages, 256 MiB of page metadata) is built once per process in [GlobalSetup], outside the timed region.
/// </summary>
[Config(typeof(HotPathConfig))]
[MemoryDiagnoser]
public class ZoneSizeBenchmarks
{
    private AllocatorRig _rig = null!;

    [ParamsAllValues]
    public DesignKind Design { get; set; }

    [Params(1, 64)]
    public int ZoneGiB { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _rig = AllocatorRig.Create(Design, LockRecording.Off, ZoneGiB);
        TierWarmup.Run(Order0Pair);
        _rig.VerifyPcpHitSteadyState(n => _rig.Pairs(0, 0, n), "the order-0 pair");
    }

    [Benchmark(OperationsPerInvoke = PcpHitBenchmarks.PairsPerInvoke)]
    public void Order0Pair() => _rig.Pairs(0, 0, PcpHitBenchmarks.PairsPerInvoke);
}
