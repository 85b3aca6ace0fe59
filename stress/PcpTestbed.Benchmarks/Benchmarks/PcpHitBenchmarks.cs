using BenchmarkDotNet.Attributes;
using PcpTestbed.Benchmarks.Rigs;
using PcpTestbed.Benchmarks.Suite;
using PcpTestbed.Designs;

namespace PcpTestbed.Benchmarks.Benchmarks;

/// <summary>
/// An alloc+free pair on a warm local PCP: CPU 0 allocates a chunk of <see cref="Order"/> and frees it at once,
/// so every allocation is a PCP hit (rmqueue_pcplist() under the CPU's own pcp->lock trylock) and every free goes
/// back to the same list (free_unref_page()), with no zone->lock. Setup checks that steady state, and that it
/// allocates nothing, before anything is timed. One operation is one pair; 1 GiB zone, 2 emulated CPUs, lockdep off.
/// </summary>
[Config(typeof(HotPathConfig))]
[MemoryDiagnoser]
public class PcpHitBenchmarks
{
    /// <summary>Pairs per invocation: amortizes the call into the rig, the same count as the floor's.</summary>
    public const int PairsPerInvoke = 32;

    private AllocatorRig _rig = null!;

    /// <summary>The design; mainline is the baseline (the "vs mainline" column).</summary>
    [ParamsAllValues]
    public DesignKind Design { get; set; }

    [ParamsAllValues]
    public LockRecording Recording { get; set; }

    /// <summary>0, and the other orders the PCP caches up to PAGE_ALLOC_COSTLY_ORDER.</summary>
    [Params(0, 1, 2, 3)]
    public int Order { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _rig = AllocatorRig.Create(Design, Recording, zoneGiB: 1);
        TierWarmup.Run(Pair);
        _rig.VerifyPcpHitSteadyState(n => _rig.Pairs(0, Order, n), $"the order-{Order} pair");
    }

    [Benchmark(OperationsPerInvoke = PairsPerInvoke)]
    public void Pair() => _rig.Pairs(0, Order, PairsPerInvoke);
}
