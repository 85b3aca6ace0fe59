using BenchmarkDotNet.Attributes;
using PcpTestbed.Benchmarks.Rigs;
using PcpTestbed.Benchmarks.Suite;
using PcpTestbed.Designs;

namespace PcpTestbed.Benchmarks.Benchmarks;

/// <summary>
/// A refill: one order-0 allocation on CPU 0 whose PCP is empty, so rmqueue_pcplist() refills it under one
/// zone->lock hold (mainline's rmqueue_bulk(); the pageblock designs' four-phase refill, which on this free zone
/// recovers CPU 0's own drained block in phase 0 or claims a whole block in phase 1) and then takes the page.
/// [IterationSetup] frees the page and drains the PCP outside the timed region, so one operation is one
/// allocation-with-refill. GlobalCleanup prints how many pages a refill brought and which phases served.
/// </summary>
[Config(typeof(SingleShotConfig))]
[MemoryDiagnoser]
public class RefillBenchmarks
{
    private AllocatorRig _rig = null!;
    private long _held = -1;

    [ParamsAllValues]
    public DesignKind Design { get; set; }

    [ParamsAllValues]
    public LockRecording Recording { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _rig = AllocatorRig.Create(Design, Recording, zoneGiB: 1);

        // Let pcp->high and the batch scaling settle into the cycle the iterations repeat.
        TierWarmup.Run(() =>
        {
            EmptyPcp();
            _held = _rig.Allocate(0, 0);
        });

        _rig.Allocator.ResetStats();
    }

    [IterationSetup]
    public void EmptyPcp()
    {
        if (_held >= 0)
        {
            _rig.Free(0, _held, 0);
            _held = -1;
        }

        _rig.DrainAllPages(0);
    }

    [Benchmark]
    public long AllocateWithRefill() => _held = _rig.Allocate(0, 0);

    [GlobalCleanup]
    public void Report()
    {
        var s = _rig.Allocator.Stats();
        if (s.Refills == 0)
        {
            Console.WriteLine($"// refill [{Design}, {Recording}]: no refill happened");
            return;
        }

        Console.WriteLine(
            $"// refill [{Design}, {Recording}]: {s.Refills} refills, {s.RefillPages / (double)s.Refills:0.#} pages each; " +
            Phases(s));
    }

    private string Phases(AllocatorStats s) =>
        Designs.Designs.IsPageblock(Design)
            ? $"refills served by phase P0..P3: {s.RefillsByPhase[0]}/{s.RefillsByPhase[1]}/{s.RefillsByPhase[2]}/{s.RefillsByPhase[3]}"
            : "rmqueue_bulk()";
}
