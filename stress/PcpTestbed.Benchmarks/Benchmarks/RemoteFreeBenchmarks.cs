using BenchmarkDotNet.Attributes;
using PcpTestbed.Benchmarks.Rigs;
using PcpTestbed.Benchmarks.Suite;
using PcpTestbed.Designs;

namespace PcpTestbed.Benchmarks.Benchmarks;

/// <summary>
/// A remote free, single-threaded with distinct CPU ids: CPU 0 allocates an order-0 page and CPU 1 frees it.
/// In the pageblock designs the page's block is CPU 0's, so the free routes to CPU 0's PCP: a trylock on CPU 0's
/// pcp->lock (pageblock, pageblock-cmafix), or a CAS push onto CPU 0's remote list that CPU 0 takes whole on its
/// next allocation (pageblock-lockfree). Mainline has no routing: the page lands on CPU 1's PCP, which drains to
/// the zone while CPU 0's refills from it, which is what a remote free costs there. The local pair is the Ratio
/// baseline, so the Ratio column is what routing adds. Nothing here contends: it is the path's cost, not a race.
/// </summary>
[Config(typeof(HotPathConfig))]
[MemoryDiagnoser]
public class RemoteFreeBenchmarks
{
    private AllocatorRig _rig = null!;

    [ParamsAllValues]
    public DesignKind Design { get; set; }

    [ParamsAllValues]
    public LockRecording Recording { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _rig = AllocatorRig.Create(Design, Recording, zoneGiB: 1);
        TierWarmup.Run(() =>
        {
            LocalPair();
            RemotePair();
        });
        _rig.VerifyPcpHitSteadyState(n => _rig.Pairs(0, 0, n), "the local pair");
        if (Designs.Designs.IsPageblock(Design))
        {
            // Routed frees put every page back on CPU 0's PCP: allocation stays a PCP hit.
            _rig.VerifyPcpHitSteadyState(n => _rig.RemotePairs(0, 1, 0, n), "the remote pair");
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = PcpHitBenchmarks.PairsPerInvoke)]
    public void LocalPair() => _rig.Pairs(0, 0, PcpHitBenchmarks.PairsPerInvoke);

    [Benchmark(OperationsPerInvoke = PcpHitBenchmarks.PairsPerInvoke)]
    public void RemotePair() => _rig.RemotePairs(0, 1, 0, PcpHitBenchmarks.PairsPerInvoke);
}
