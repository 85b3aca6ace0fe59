using PcpTestbed.Designs;
using PcpTestbed.Execution.Clocks;
using PcpTestbed.Model;
using PcpTestbed.Workloads.Support;
using PcpTestbed.Workloads.Work;

namespace PcpTestbed.Workloads.Kinds;

/// <summary>What a workload runs against: the allocator, its CPUs, the kernel work it charges, its clock, and per-CPU state each CPU owns.</summary>
public sealed class WorkloadContext
{
    /// <param name="allocator">The design under test.</param>
    /// <param name="cpus">CPUs the workload runs on (the allocator may have more, e.g. kswapd's).</param>
    /// <param name="parameters">The workload's knobs.</param>
    /// <param name="seed">Seeds each CPU's generator.</param>
    /// <param name="sizes">The sizes to use; null for the defaults capped to the allocator's zone as it is now, without notes (<see cref="WorkloadSizes.For"/>).</param>
    /// <param name="work">The kernel work charged around allocator calls; null charges none (scale 0 on OS threads).</param>
    /// <param name="clock">What periodic behaviour reads (the exit waves); null for the host's clock.</param>
    /// <param name="freeBatch">Folios per free_unref_folios() where the kernel batches: 1..31; 1 frees one chunk per __free_pages() call.</param>
    public WorkloadContext(IPageAllocator allocator, int cpus, WorkloadParameters parameters, long seed, WorkloadSizes? sizes = null,
        KernelWork? work = null, IEngineClock? clock = null, int freeBatch = PageAlloc.PagevecSize)
    {
        if (cpus < 1 || cpus > allocator.Cpus)
        {
            throw new ArgumentOutOfRangeException(nameof(cpus), cpus, $"expected 1..{allocator.Cpus} workload CPUs");
        }

        if (freeBatch is < 1 or > PageAlloc.PagevecSize)
        {
            throw new ArgumentOutOfRangeException(nameof(freeBatch), freeBatch, $"expected 1..{PageAlloc.PagevecSize} folios per batch (PAGEVEC_SIZE)");
        }

        Allocator = allocator;
        Cpus = cpus;
        Parameters = parameters;
        Random = [.. Enumerable.Range(0, cpus).Select(cpu => new CpuRandom(seed, cpu))];
        Held = [.. Enumerable.Range(0, cpus).Select(_ => new HeldPages())];
        Counters = new WorkloadCounters[cpus];
        Sizes = sizes ?? WorkloadSizes.For(null, parameters, allocator.Zone.NrFreePages, cpus);
        Work = work ?? new KernelWork(new HostKernelWork(cpus, calibration: null), 0, cpus);
        Clock = clock ?? new HostEngineClock();
        FreeBatch = freeBatch;
    }

    public IPageAllocator Allocator { get; }

    /// <summary>CPUs the workload runs on (the allocator may have more, e.g. kswapd's).</summary>
    public int Cpus { get; }

    public WorkloadParameters Parameters { get; }

    public WorkloadSizes Sizes { get; }

    public KernelWork Work { get; }

    public IEngineClock Clock { get; }

    /// <summary>Folios per free_unref_folios() call where the kernel path batches (1 = one __free_pages() per chunk).</summary>
    public int FreeBatch { get; }

    /// <summary>Each CPU's generator; only that CPU uses it.</summary>
    public CpuRandom[] Random { get; }

    /// <summary>Each CPU's holdings; only that CPU changes them while the run goes.</summary>
    public HeldPages[] Held { get; private set; }

    public WorkloadCounters[] Counters { get; }

    /// <summary>Before the run: sizes each CPU's holdings for <paramref name="chunks"/> chunks, so they never grow while it runs.</summary>
    public void ReserveHeld(int chunks)
    {
        if (Held.Any(h => h.Count != 0))
        {
            throw new InvalidOperationException("holdings are sized before the run, while they are empty");
        }

        Held = [.. Enumerable.Range(0, Cpus).Select(_ => new HeldPages(chunks))];
    }
}
