using PcpTestbed.Designs;
using PcpTestbed.Execution.Cpus;
using PcpTestbed.Model;
using PcpTestbed.Workloads.Support;

namespace PcpTestbed.Workloads.Reclaim;

/// <summary>
/// A simple reclaim model for memory-pressure runs, since reserves and fallbacks only act under
/// pressure. A page cache (movable order-0 pages, oldest first) grows whenever free pages sit above the
/// low watermark, keeping the zone near it; kswapd, woken by the allocator below low, frees cache
/// pages until free pages reach the high watermark (then clears the boost); a blocking allocation
/// that finds nothing reclaims SWAP_CLUSTER_MAX cache pages itself (direct reclaim).
/// <para>
/// "Free pages" here are those a page-cache allocation (movable, so it may use CMA) counts against its watermark:
/// the zone's free pages less the free highatomic reserve, which only reserve-entitled allocations may count
/// (__zone_watermark_unusable_free()). Counting the reserve would aim the page cache at a level no movable
/// allocation can reach, and kswapd would call the zone balanced while ordinary allocations still fail at min.
/// </para>
/// <para>
/// kswapd runs on an emulated CPU of its own (the allocator's last), as the kernel thread runs on some
/// CPU of the node; its frees go through that CPU's PCP like any other.
/// </para>
/// </summary>
public sealed class ReclaimModel : IReclaimHooks, IDisposable
{
    private readonly ChunkQueue _cache = new(int.MaxValue);
    private readonly ManualResetEventSlim _kswapdWake = new(false);
    private IPageAllocator? _allocator;
    private long _kswapdWakeups;
    private long _kswapdReclaimed;
    private long _directReclaimed;

    /// <summary>kswapd is reclaiming (between a wake-up and a balanced zone). kswapd's CPU only.</summary>
    private bool _balancing;

    /// <summary>The CPU kswapd runs on.</summary>
    public int KswapdCpu { get; private set; } = -1;

    /// <summary>Pages in the page cache. Exact at quiescent points.</summary>
    public long CachedPages => _cache.Pages;

    public long KswapdWakeups => Interlocked.Read(ref _kswapdWakeups);

    public long KswapdReclaimedPages => Interlocked.Read(ref _kswapdReclaimed);

    public long DirectReclaimedPages => Interlocked.Read(ref _directReclaimed);

    /// <summary>Connects the model to its allocator (which was built with this model as its reclaim hooks).</summary>
    public void Attach(IPageAllocator allocator, int kswapdCpu)
    {
        _allocator = allocator;
        KswapdCpu = kswapdCpu;
    }

    private IPageAllocator Allocator => _allocator ?? throw new InvalidOperationException("the reclaim model is not attached to an allocator");

    /// <summary>Fills the page cache until free pages are down to the low watermark (before the run starts).</summary>
    public void Prefill(int cpu)
    {
        var zone = Allocator.Zone;
        while (AboveWatermark(zone, WatermarkKind.Low) && AddCachePage(cpu))
        {
        }
    }

    /// <summary>After a workload step: grow the page cache by a page while free pages are above low.</summary>
    public void AfterStep(int cpu)
    {
        var zone = Allocator.Zone;
        if (AboveWatermark(zone, WatermarkKind.Low))
        {
            AddCachePage(cpu);
        }
    }

    public void WakeKswapd(int cpu)
    {
        if (!_kswapdWake.IsSet)
        {
            Interlocked.Increment(ref _kswapdWakeups);
            _kswapdWake.Set();
        }
    }

    public long DirectReclaim(int cpu, int order)
    {
        var freed = FreeCachePages(cpu, Math.Max(PageAlloc.SwapClusterMax, 1 << order), direct: true);
        Interlocked.Add(ref _directReclaimed, freed);
        return freed;
    }

    public long ReclaimablePages() => _cache.Pages;

    /// <summary>
    /// kswapd's body: sleep until woken (waking at least every few ms to pass quiescent points), then
    /// reclaim in SWAP_CLUSTER_MAX batches, one per step, until the zone is balanced at high.
    /// </summary>
    public void KswapdBody(CpuContext cpu)
    {
        while (cpu.QuiescentPoint())
        {
            // The wait is kswapd's sleep; its timeout only keeps quiescent points coming.
            if (!_balancing && !_kswapdWake.Wait(TimeSpan.FromMilliseconds(5)))
            {
                continue;
            }

            KswapdStep(cpu.Id);
        }

        Allocator.Zone.ClearFlag(ZoneFlags.ReclaimActive);
    }

    /// <summary>
    /// One step of kswapd (the virtual-time engine's, which cannot block): when woken, start balancing; while balancing,
    /// reclaim one SWAP_CLUSTER_MAX batch and stop once the zone is balanced at high.
    /// </summary>
    /// <returns>False when kswapd is asleep and was not woken: the step did nothing (the caller charges its sleep).</returns>
    public bool KswapdStep(int cpu)
    {
        var zone = Allocator.Zone;
        if (!_balancing)
        {
            if (!_kswapdWake.IsSet)
            {
                return false;
            }

            _kswapdWake.Reset();
            _balancing = true;
            zone.SetFlag(ZoneFlags.ReclaimActive);
        }

        var freed = FreeCachePages(cpu, PageAlloc.SwapClusterMax, direct: false);
        Interlocked.Add(ref _kswapdReclaimed, freed);
        if (freed == 0 || AboveWatermark(zone, WatermarkKind.High))
        {
            // Balanced: the boost has done its job.
            Allocator.ClearWatermarkBoost(cpu);
            zone.ClearFlag(ZoneFlags.ReclaimActive);
            _balancing = false;
        }

        return true;
    }

    /// <summary>Frees the whole page cache as <paramref name="cpu"/> (after the run).</summary>
    public void ReleaseAll(int cpu) => FreeCachePages(cpu, long.MaxValue, direct: false);

    public void Dispose() => _kswapdWake.Dispose();

    /// <summary>Free pages a page-cache allocation may count are above <paramref name="kind"/> (zone_watermark_ok() with ALLOC_CMA).</summary>
    private static bool AboveWatermark(Zone zone, WatermarkKind kind) => zone.ZoneWatermarkOk(0, zone.WmarkPages(kind), AllocFlags.Cma);

    private bool AddCachePage(int cpu)
    {
        var result = Allocator.Allocate(cpu, Gfp.HighUserMovable, 0);
        if (!result.Succeeded)
        {
            return false;
        }

        _cache.Enqueue(new HeldChunk(result.Pfn, 0));
        return true;
    }

    /// <summary>Frees up to <paramref name="pages"/> cache pages, oldest first; <paramref name="direct"/>: inside an allocation's direct reclaim.</summary>
    private long FreeCachePages(int cpu, long pages, bool direct)
    {
        long freed = 0;
        while (freed < pages && _cache.TryDequeue(out var chunk))
        {
            if (direct)
            {
                Allocator.FreeReclaimed(cpu, chunk.Pfn, chunk.Order);
            }
            else
            {
                Allocator.Free(cpu, chunk.Pfn, chunk.Order);
            }

            freed += chunk.Pages;
        }

        return freed;
    }
}
