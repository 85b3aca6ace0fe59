using PcpTestbed.Designs;
using PcpTestbed.Workloads.Support;

namespace PcpTestbed.Workloads.Kinds;

/// <summary>What a workload runs against: the allocator, its CPUs, and per-CPU state each CPU owns.</summary>
public sealed class WorkloadContext
{
    public WorkloadContext(IPageAllocator allocator, int cpus, WorkloadParameters parameters, long seed)
    {
        if (cpus < 1 || cpus > allocator.Cpus)
        {
            throw new ArgumentOutOfRangeException(nameof(cpus), cpus, $"expected 1..{allocator.Cpus} workload CPUs");
        }

        Allocator = allocator;
        Cpus = cpus;
        Parameters = parameters;
        Random = [.. Enumerable.Range(0, cpus).Select(cpu => new CpuRandom(seed, cpu))];
        Held = [.. Enumerable.Range(0, cpus).Select(_ => new HeldPages())];
        Counters = new WorkloadCounters[cpus];
    }

    public IPageAllocator Allocator { get; }

    /// <summary>CPUs the workload runs on (the allocator may have more, e.g. kswapd's).</summary>
    public int Cpus { get; }

    public WorkloadParameters Parameters { get; }

    /// <summary>Each CPU's generator; only that CPU uses it.</summary>
    public CpuRandom[] Random { get; }

    /// <summary>Each CPU's holdings; only that CPU changes them while the run goes.</summary>
    public HeldPages[] Held { get; }

    public WorkloadCounters[] Counters { get; }
}
