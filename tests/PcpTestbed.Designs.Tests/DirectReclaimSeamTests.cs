using PcpTestbed.Designs.Tests.Support;
using PcpTestbed.Model;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs.Tests;

/// <summary>
/// The execution seam hears of outermost entry points only (<see cref="IExecution.OpBegin"/>): the frees of direct reclaim,
/// which run inside the allocation that reclaims (try_to_free_pages() from __alloc_pages_slowpath()), are that allocation's
/// pages (<see cref="IExecution.OpFolio"/>), so a flight recorder keeps the allocation's entry and the pages with it.
/// </summary>
public class DirectReclaimSeamTests
{
    [Theory]
    [MemberData(nameof(Rig.AllDesigns), MemberType = typeof(Rig))]
    public void Direct_reclaims_frees_are_pages_of_the_allocation_that_reclaims_not_entry_points_of_their_own(DesignKind design)
    {
        var cache = new CacheReclaim();
        var rig = new Rig(design, "16M", cpus: 2, reclaim: cache);
        cache.Allocator = rig.A;
        var held = new List<long>();
        for (var r = rig.A.Allocate(0, Rig.Movable, 0); r.Succeeded; r = rig.A.Allocate(0, Rig.Movable, 0))
        {
            held.Add(r.Pfn);
        }

        cache.Pages.AddRange(held.TakeLast(PageAlloc.SwapClusterMax));
        rig.Log.Clear();

        var result = rig.A.Allocate(1, Rig.Movable, 0);

        Assert.True(result.Succeeded);
        Assert.Equal([new OpEvent(1, AllocatorOp.Alloc, 0, (long)Rig.Movable)], rig.Log.Ops);
        Assert.Equal(1, rig.Log.OpEnds);
        Assert.Equal(held.TakeLast(PageAlloc.SwapClusterMax).Select(p => (1, p, 0)), rig.Log.Folios);
    }

    [Theory]
    [MemberData(nameof(Rig.AllDesigns), MemberType = typeof(Rig))]
    public void A_free_as_direct_reclaims_outside_a_direct_reclaim_is_misuse_and_changes_nothing(DesignKind design)
    {
        var rig = new Rig(design, "16M", cpus: 2);
        var pfn = rig.A.Allocate(0, Rig.Movable, 0).Pfn;
        rig.Log.Clear();

        Assert.Throws<InvalidOperationException>(() => rig.A.FreeReclaimed(0, pfn, 0));

        Assert.Empty(rig.Log.Folios);
        rig.A.Free(0, pfn, 0);
        Assert.Equal([new OpEvent(0, AllocatorOp.Free, pfn, 0)], rig.Log.Ops);
    }

    /// <summary>A page cache of the pages a test puts in it, which direct reclaim frees through the allocator, oldest first, as the workloads' reclaim model does.</summary>
    private sealed class CacheReclaim : IReclaimHooks
    {
        public List<long> Pages { get; } = [];

        public IPageAllocator? Allocator { get; set; }

        public void WakeKswapd(int cpu)
        {
        }

        public long DirectReclaim(int cpu, int order)
        {
            var n = Math.Min(Pages.Count, PageAlloc.SwapClusterMax);
            foreach (var pfn in Pages.Take(n))
            {
                Allocator!.FreeReclaimed(cpu, pfn, 0);
            }

            Pages.RemoveRange(0, n);
            return n;
        }

        public long ReclaimablePages() => Pages.Count;
    }
}
