using BenchmarkDotNet.Attributes;
using PcpTestbed.Benchmarks.Suite;
using PcpTestbed.Designs;
using PcpTestbed.Execution.Cpus;
using PcpTestbed.Execution.Locking;
using PcpTestbed.Execution.Virtual;
using PcpTestbed.Model;
using PcpTestbed.Model.Layout;

namespace PcpTestbed.Benchmarks.Benchmarks;

/// <summary>
/// The virtual-time engine's own speed: <see cref="Cpus"/> emulated CPUs (64, the target, and 256) on one host thread, each step one allocator
/// call, each CPU alternating an order-0 allocation and its free, so every allocation is a PCP hit (setup checks it).
/// One operation is one simulated allocator call, so the rate is simulated calls per host second (the issue asks for
/// at least 1 M at 64 CPUs). 1 GiB zone, the default cost model, lock recording off, lockdep off. The pageblock designs
/// bound their refills by the PCP's room (<see cref="AllocatorConfig.PageblockRefillWithinHigh"/>): at 64 CPUs pcp->high
/// starts below a pageblock, so a whole-block refill would overflow the PCP and every step would refill and drain.
/// </summary>
[Config(typeof(HotPathConfig))]
[MemoryDiagnoser]
public class VirtualEngineBenchmarks
{
    /// <summary>The CPU count of the target (at least 1 M simulated allocator calls per host second).</summary>
    public const int TargetCpus = 64;

    /// <summary>Steps per invocation, over all CPUs: amortizes starting a run.</summary>
    public const int Steps = 16_384;

    private VirtualMachine _machine = null!;
    private PageAllocator<VirtualExecution<NoLockProbe>> _allocator = null!;
    private long[] _held = null!;
    private Func<int, bool> _step = null!;

    [ParamsAllValues]
    public DesignKind Design { get; set; }

    [Params(TargetCpus, 256)]
    public int Cpus { get; set; }

    private int StepsPerCpu => Steps / Cpus;

    [GlobalSetup]
    public void Setup()
    {
        var zone = ZoneBuilder.Build(ZoneSpec.OfBytes(1L << 30));
        _machine = new VirtualMachine(Cpus, CostModel.Default, zone);
        _allocator = AllocatorFactory.Create(Design, zone, new AllocatorConfig { Cpus = Cpus, Lockdep = false, PageblockRefillWithinHigh = true },
            new VirtualExecution<NoLockProbe>(_machine, default));
        _held = new long[Cpus];
        Array.Fill(_held, -1);
        _step = Step;
        TierWarmup.Run(() => Run());
        _allocator.ResetStats();
        Run();
        var s = _allocator.Stats();
        if (s.PcpAllocations != s.Allocations || s.Refills != 0 || s.BulkFrees != 0)
        {
            throw new InvalidOperationException(
                $"not the PCP-hit steady state: {s.Allocations - s.PcpAllocations} of {s.Allocations} allocations missed the PCP, {s.Refills} refills, {s.BulkFrees} bulk frees");
        }
    }

    [Benchmark(OperationsPerInvoke = Steps)]
    public VirtualRunResult Run() => _machine.Run(_step, RunLimit.Operations(StepsPerCpu));

    private bool Step(int cpu)
    {
        if (_held[cpu] < 0)
        {
            _held[cpu] = _allocator.Allocate(cpu, Gfp.HighUserMovable, 0).Pfn;
        }
        else
        {
            _allocator.Free(cpu, _held[cpu], 0);
            _held[cpu] = -1;
        }

        return true;
    }
}
