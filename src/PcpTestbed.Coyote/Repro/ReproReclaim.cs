using PcpTestbed.Designs;
using PcpTestbed.Model;

namespace PcpTestbed.Coyote.Repro;

/// <summary>
/// Direct reclaim in a reproduction, as the run's: its reclaim model freed page-cache pages inside the allocation that reclaimed
/// (try_to_free_pages() from __alloc_pages_slowpath()), and the file keeps them with that allocation (<see cref="ReproOp.Reclaimed"/>).
/// While a CPU's allocation runs (<see cref="Begin"/> to <see cref="End"/>), each of its direct reclaims frees the next of those
/// pages, SWAP_CLUSTER_MAX of them (or the request's size, if larger) as the reclaim model does, and reports them as progress,
/// so the slow path that follows (the retry, unreserve_highatomic_pageblock(), the drain) is the run's. Before, the reclaim
/// was no reclaim at all: the pages were freed before the allocation began, the allocation's reclaim made no progress, and its
/// slow path took another turn (should_reclaim_retry() and the forced unreserve, which also gives back the reserve's last block).
/// </summary>
/// <remarks>
/// What it cannot match: the page cache's size (<see cref="ReclaimablePages"/> counts only the pages the allocations in
/// progress still have to reclaim), and kswapd, whose frees are its own CPU's recorded operations (<see cref="WakeKswapd"/> does
/// nothing). An allocation that reclaims less than the run's did (another interleaving served it sooner) frees the rest at its
/// end, so the zone holds afterwards what the run's did. One per scenario; each iteration attaches its own free
/// (<see cref="Attach"/>); the iterations run one at a time and the engine runs one script at a time.
/// </remarks>
internal sealed class ReproReclaim(int cpus) : IReclaimHooks
{
    private readonly Queue<ReproFolio>?[] _pending = new Queue<ReproFolio>?[cpus];

    /// <summary>
    /// The current iteration's free of a page on a CPU, inside the allocation's direct reclaim (true) or after it returned:
    /// false when the page is not allocated in its interleaving.
    /// </summary>
    private Func<int, ReproFolio, bool, bool>? _free;

    /// <summary>A new iteration: its free of a handle, and no allocation in progress.</summary>
    public void Attach(Func<int, ReproFolio, bool, bool> free)
    {
        _free = free;
        Array.Clear(_pending);
    }

    /// <summary><paramref name="cpu"/>'s allocation begins; <paramref name="pages"/> are what its direct reclaim freed on the run.</summary>
    public void Begin(int cpu, IReadOnlyList<ReproFolio>? pages) => _pending[cpu] = pages is { Count: > 0 } ? new Queue<ReproFolio>(pages) : null;

    /// <summary><paramref name="cpu"/>'s allocation has returned: the pages its reclaim did not reach are freed now.</summary>
    public void End(int cpu)
    {
        Reclaim(cpu, long.MaxValue, inReclaim: false);
        _pending[cpu] = null;
    }

    public void WakeKswapd(int cpu)
    {
    }

    public long DirectReclaim(int cpu, int order) => Reclaim(cpu, Math.Max(PageAlloc.SwapClusterMax, 1L << order), inReclaim: true);

    public long ReclaimablePages()
    {
        long pages = 0;
        foreach (var q in _pending)
        {
            pages += q?.Sum(f => 1L << f.Order) ?? 0;
        }

        return pages;
    }

    private long Reclaim(int cpu, long pages, bool inReclaim)
    {
        long freed = 0;
        while (freed < pages && _pending[cpu] is { Count: > 0 } q)
        {
            var page = q.Dequeue();
            if (_free!(cpu, page, inReclaim))
            {
                freed += 1L << page.Order;
            }
        }

        return freed;
    }
}
