using PcpTestbed.Designs.Tests.Support;
using PcpTestbed.Model;

namespace PcpTestbed.Designs.Tests.Vmstat;

/// <summary>
/// vmstat-style counters every design keeps per CPU: pgalloc by the requested migratetype, pgfree by the freed page's
/// block migratetype, and the CMA balance figure the RFC's review asked for.
/// </summary>
public class VmstatCounterTests
{
    [Theory]
    [MemberData(nameof(Rig.AllDesigns), MemberType = typeof(Rig))]
    public void Pgalloc_counts_pages_by_requested_type_and_pgfree_by_the_freed_blocks_type(DesignKind design)
    {
        var rig = new Rig(design, "128M,cma=25%,unmovable=8@start,reclaimable=8@spread", cpus: 3, watermarks: Rig.TinyWatermarks);
        var requested = new long[MigrateTypes.Count];
        var freedFrom = new long[MigrateTypes.Count];
        var held = new List<(long Pfn, int Order)>();
        var rng = new Random(5);
        (Gfp Gfp, MigrateType Mt)[] kinds = [(Rig.Movable, MigrateType.Movable), (Rig.Unmovable, MigrateType.Unmovable), (Rig.Reclaimable, MigrateType.Reclaimable)];
        for (var i = 0; i < 3_000; i++)
        {
            var (gfp, mt) = kinds[rng.Next(kinds.Length)];
            var order = rng.Next(10) == 0 ? PageAlloc.PageblockOrder : rng.Next(4);
            var r = rig.A.Allocate(rng.Next(3), gfp, order);
            if (r.Succeeded)
            {
                requested[(int)mt] += 1L << order;
                held.Add((r.Pfn, order));
            }

            if (held.Count > 200 || (held.Count > 0 && rng.Next(3) == 0))
            {
                var j = rng.Next(held.Count);
                var (pfn, o) = held[j];
                held[j] = held[^1];
                held.RemoveAt(held.Count - 1);
                freedFrom[(int)rig.BlockType(pfn)] += 1L << o;
                rig.A.Free(rng.Next(3), pfn, o);
            }
        }

        var stats = rig.A.Stats();
        Assert.Equal(requested, stats.PgallocByMigratetype);
        Assert.Equal(freedFrom, stats.PgfreeByMigratetype);
        Assert.Equal(stats.AllocatedPages, stats.PgallocByMigratetype.Sum());
        Assert.Equal(stats.FreedPages, stats.PgfreeByMigratetype.Sum());
        Assert.True(freedFrom[(int)MigrateType.Cma] > 0 && freedFrom[(int)MigrateType.Unmovable] > 0, "the run freed pages of too few block types to tell them apart");
        rig.AssertAuditClean();
    }

    [Theory]
    [MemberData(nameof(Rig.AllDesigns), MemberType = typeof(Rig))]
    public void Movable_allocations_while_free_cma_exceeds_half_of_free_pages_are_counted_with_those_served_from_cma(DesignKind design)
    {
        var rig = new Rig(design, "64M,cma=75%@end", cpus: 2);
        long fromCma = 0;
        for (var i = 0; i < 40; i++)
        {
            Assert.True(rig.Zone.NrFreeCmaPages > rig.Zone.NrFreePages / 2);
            fromCma += rig.BlockType(rig.Alloc(i % 2)) == MigrateType.Cma ? 1 : 0;
            rig.Alloc(i % 2, Rig.Unmovable); // not movable: never counted
        }

        var stats = rig.A.Stats();
        Assert.Equal(40, stats.MovableAllocsCmaOverHalf);
        Assert.Equal(fromCma, stats.MovableAllocsCmaOverHalfFromCma);
        Assert.True(fromCma > 0, "__rmqueue() takes CMA first when it holds most free pages");
    }

    [Theory]
    [MemberData(nameof(Rig.AllDesigns), MemberType = typeof(Rig))]
    public void Movable_allocations_are_not_counted_while_free_cma_is_at_most_half_of_free_pages(DesignKind design)
    {
        var rig = new Rig(design, "64M,cma=25%@end", cpus: 2);
        for (var i = 0; i < 40; i++)
        {
            rig.Alloc(i % 2);
        }

        Assert.True(rig.Zone.NrFreeCmaPages <= rig.Zone.NrFreePages / 2);
        Assert.Equal(0, rig.A.Stats().MovableAllocsCmaOverHalf);
        Assert.Equal(0, rig.A.Stats().MovableAllocsCmaOverHalfFromCma);
    }
}
