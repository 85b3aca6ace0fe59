using PcpTestbed.Model;
using PcpTestbed.Model.Audit;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs;

/// <summary>
/// The interface every design implements: the page allocator as the rest of the kernel sees it, with
/// the emulated CPU passed explicitly. Ordinary failure is a result, never an exception; misuse
/// (a double free, a pfn that is not allocated, an order out of range) throws
/// <see cref="BadPageException"/> or <see cref="ArgumentException"/> and changes nothing.
/// </summary>
public interface IPageAllocator : IPcpInventory
{
    DesignKind Design { get; }

    Zone Zone { get; }

    AllocatorConfig Config { get; }

    int Cpus { get; }

    /// <summary>alloc_pages(gfp, order) on <paramref name="cpu"/>.</summary>
    AllocResult Allocate(int cpu, Gfp gfp, int order);

    /// <summary>__free_pages(pfn, order) on <paramref name="cpu"/>.</summary>
    void Free(int cpu, long pfn, int order);

    /// <summary>
    /// __free_pages(pfn, order) by direct reclaim inside the allocation on <paramref name="cpu"/> that reclaims
    /// (<see cref="IReclaimHooks.DirectReclaim"/>): the page is that allocation's, not an entry point of its own.
    /// Outside a direct reclaim, misuse.
    /// </summary>
    void FreeReclaimed(int cpu, long pfn, int order);

    /// <summary>
    /// free_unref_folios() on <paramref name="cpu"/>: a folio_batch of 1..<see cref="PageAlloc.PagevecSize"/> chunks,
    /// freed as munmap, MADV_DONTNEED and exit free them (the mmu_gather's folios_put_refs()): one pcp->lock hold for
    /// each run of folios bound for the same PCP. Every folio is checked before anything changes.
    /// </summary>
    void FreeUnrefFolios(int cpu, ReadOnlySpan<Folio> batch);

    /// <summary>drain_all_pages(zone) run on <paramref name="cpu"/>.</summary>
    void DrainAllPages(int cpu);

    /// <summary>The periodic vmstat work on <paramref name="cpu"/>: decay_pcp_high().</summary>
    void DecayPcpHigh(int cpu);

    /// <summary>kswapd on <paramref name="cpu"/> found the zone balanced: it clears the watermark boost under zone->lock.</summary>
    void ClearWatermarkBoost(int cpu);

    /// <summary>page_alloc_cpu_dead(): run on <paramref name="cpu"/> after <paramref name="deadCpu"/> stopped for good.</summary>
    void CpuDead(int deadCpu, int cpu);

    /// <summary>page_alloc_cpu_online(<paramref name="onlineCpu"/>) run on <paramref name="cpu"/>, the hotplug control task's CPU.</summary>
    void CpuOnline(int onlineCpu, int cpu);

    bool IsOnline(int cpu);

    /// <summary>The pages a CPU's PCP holds right now (pcp->count). A racy read.</summary>
    int PcpCount(int cpu);

    /// <summary>A racy snapshot of <paramref name="cpu"/>'s PCP counters.</summary>
    PcpSnapshot Pcp(int cpu);

    /// <summary>Every invariant of ../shared/KERNEL.md §7 for the zone and the design. Quiescent points only.</summary>
    AuditReport Audit();

    AllocatorStats Stats();

    /// <summary>Zeroes the statistics (at a quiescent point), e.g. after a run's set-up allocations.</summary>
    void ResetStats();

    /// <summary>
    /// The allocator's whole state (zone, online CPUs, PCPs) into <paramref name="reuse"/> when it fits, else a new snapshot.
    /// Quiescent points only.
    /// </summary>
    Model.Layout.AllocatorSnapshot SaveSnapshot(Model.Layout.AllocatorSnapshot? reuse = null);

    /// <summary>Writes a snapshot of the same design, CPUs and zone spec back. Before any CPU runs, or at a quiescent point.</summary>
    void RestoreSnapshot(Model.Layout.AllocatorSnapshot snapshot);

    /// <summary>Racy copies of every lock word, zone->lock first, then each CPU's pcp->lock: who holds what, for a stuck-CPU report.</summary>
    EmuSpinLock[] SnapshotLocks();
}
