using BenchmarkDotNet.Attributes;
using PcpTestbed.Benchmarks.Rigs;
using PcpTestbed.Benchmarks.Suite;
using PcpTestbed.Designs;

namespace PcpTestbed.Benchmarks.Benchmarks;

/// <summary>
/// A drain of a full PCP: drain_all_pages() from CPU 0 when only CPU 0's PCP holds pages, i.e. drain_pages_zone()
/// on it: free_pcppages_bulk() in chunks of batch &lt;&lt; PCP_BATCH_SCALE_MAX under pcp->lock and zone->lock
/// (the pageblock designs run their PCP merge pass first). [IterationSetup] fills the PCP outside the timed
/// region: CPU 0 allocates pcp->high_max pages and frees them all, which leaves the PCP as full as frees keep it
/// (just under pcp->high). GlobalCleanup prints the pages each drain freed, to turn the time into a per-page cost.
/// </summary>
[Config(typeof(SingleShotConfig))]
[MemoryDiagnoser]
public class DrainBenchmarks
{
    private AllocatorRig _rig = null!;
    private long[] _pfns = [];
    private long _drainedPages;
    private long _drains;

    [ParamsAllValues]
    public DesignKind Design { get; set; }

    [ParamsAllValues]
    public LockRecording Recording { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _rig = AllocatorRig.Create(Design, Recording, zoneGiB: 1);
        _pfns = new long[_rig.Allocator.Pcp(0).HighMax];
        TierWarmup.Run(() =>
        {
            FillPcp();
            _rig.DrainAllPages(0);
        });

        _drainedPages = 0;
        _drains = 0;
        _rig.Allocator.ResetStats();
    }

    [IterationSetup]
    public void FillPcp()
    {
        for (var i = 0; i < _pfns.Length; i++)
        {
            _pfns[i] = _rig.Allocate(0, 0);
        }

        for (var i = 0; i < _pfns.Length; i++)
        {
            _rig.Free(0, _pfns[i], 0);
        }

        _drainedPages += _rig.Allocator.PcpCount(0);
        _drains++;
    }

    [Benchmark]
    public void DrainFullPcp() => _rig.DrainAllPages(0);

    [GlobalCleanup]
    public void Report()
    {
        var high = _rig.Allocator.Pcp(0);
        var s = _rig.Allocator.Stats();
        var drains = (double)Math.Max(1, _drains);
        Console.WriteLine(
            $"// drain [{Design}, {Recording}]: {_drainedPages / drains:0} pages per drain; per fill and drain " +
            $"{s.BulkFrees / drains:0.#} bulk frees, {s.PcpMerges / drains:0} PCP merges " +
            $"(pcp->high {high.High}, high_min {high.HighMin}, high_max {high.HighMax}, batch {high.Batch})");
    }
}
