namespace PcpTestbed.Designs;

/// <summary>
/// The allocator's calls into memory reclaim, which the emulation does not model inside the allocator:
/// a workload supplies them (a kswapd-like thread and direct reclaim that frees pages it holds).
/// </summary>
public interface IReclaimHooks
{
    /// <summary>wakeup_kswapd(): asynchronous; must not block or allocate.</summary>
    void WakeKswapd(int cpu);

    /// <summary>
    /// try_to_free_pages() on behalf of a blocking allocation. Returns the pages reclaimed (progress). Frees its pages
    /// with <see cref="IPageAllocator.FreeReclaimed"/>: they are the allocation's.
    /// </summary>
    long DirectReclaim(int cpu, int order);

    /// <summary>zone_reclaimable_pages(): what reclaim could still free (should_reclaim_retry() adds it to the free pages).</summary>
    long ReclaimablePages();
}

/// <summary>No reclaim: the slow path fails once the free pages run out.</summary>
public sealed class NoReclaim : IReclaimHooks
{
    public static readonly NoReclaim Instance = new();

    public void WakeKswapd(int cpu)
    {
    }

    public long DirectReclaim(int cpu, int order) => 0;

    public long ReclaimablePages() => 0;
}
