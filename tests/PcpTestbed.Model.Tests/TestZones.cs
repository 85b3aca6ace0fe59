using PcpTestbed.Model.Audit;

namespace PcpTestbed.Model.Tests;

/// <summary>
/// The smallest zone states the rule tests need. <see cref="AllAllocated"/> makes every page an
/// allocated order-0 chunk, so a test frees exactly the pages its rule is about and the buddy
/// allocator itself merges them into the canonical chunks.
/// </summary>
internal static class TestZones
{
    public const int Block = PageAlloc.PageblockNrPages;

    /// <summary>
    /// A zone whose blocks have <paramref name="blockTypes"/> and whose pages are all allocated at
    /// order 0, tagged as the block's natural user (movable in MOVABLE and CMA blocks). HIGHATOMIC
    /// blocks are counted in nr_reserved_highatomic.
    /// </summary>
    public static Zone AllAllocated(MigrateType[] blockTypes, Watermarks? watermarks = null, int startPfn = 0)
    {
        var present = blockTypes.Length * Block;
        var zone = new Zone(present, present, watermarks ?? ZoneFormulas.DefaultWatermarks(present), startPfn);
        using (zone.Locked())
        {
            for (var b = 0; b < blockTypes.Length; b++)
            {
                zone.SetPageblockMigratetype(b * Block, blockTypes[b]);
            }
        }

        for (var p = 0; p < present; p++)
        {
            zone.Pages[p] = new Page
            {
                State = PageState.Allocated,
                Order = 0,
                Tag = (byte)NaturalTag(blockTypes[p / Block]),
            };
        }

        using (zone.Locked())
        {
            zone.InitReservedHighatomic(blockTypes.Count(t => t == MigrateType.HighAtomic) * (long)Block);
        }

        return zone;
    }

    public static Zone AllAllocated(params MigrateType[] blockTypes) => AllAllocated(blockTypes, null);

    /// <summary><paramref name="n"/> blocks of <paramref name="mt"/>.</summary>
    public static MigrateType[] Blocks(int n, MigrateType mt) => Enumerable.Repeat(mt, n).ToArray();

    public static MigrateType NaturalTag(MigrateType blockType) => blockType switch
    {
        MigrateType.Movable or MigrateType.Cma or MigrateType.Isolate => MigrateType.Movable,
        MigrateType.Reclaimable => MigrateType.Reclaimable,
        _ => MigrateType.Unmovable,
    };

    public static ZoneLockScope Locked(this Zone zone) => new(zone);

    /// <summary>Frees the order-0 pages [pfn, pfn + count) one by one through __free_one_page().</summary>
    public static void FreePages(this Zone zone, int pfn, int count)
    {
        using var _ = zone.Locked();
        for (var p = pfn; p < pfn + count; p++)
        {
            zone.FreeOnePageLocked(zone.ValidateFree(zone.AbsolutePfn(p), 0), 0);
        }
    }

    /// <summary>rmqueue_buddy() then prep_new_page(): the pfn handed out, or -1.</summary>
    public static int Alloc(this Zone zone, int order, MigrateType mt, AllocFlags flags = AllocFlags.WmarkLow)
    {
        using var _ = zone.Locked();
        var pfn = zone.RmqueueBuddyLocked(order, mt, flags);
        if (pfn >= 0)
        {
            zone.PrepNewPage(pfn, order, mt);
        }

        return pfn;
    }

    /// <summary>free_pages_prepare()'s checks then free_one_page().</summary>
    public static void Free(this Zone zone, int pfn, int order)
    {
        using var _ = zone.Locked();
        zone.FreeOnePageLocked(zone.ValidateFree(zone.AbsolutePfn(pfn), order), order);
    }

    /// <summary>The heads on a free list, first to last.</summary>
    public static int[] ListPfns(this Zone zone, int order, MigrateType mt)
    {
        var list = new List<int>();
        for (var p = zone.FreeList(order, mt).First; p >= 0; p = PageList.Next(zone.Pages, p))
        {
            list.Add(p);
        }

        return list.ToArray();
    }

    /// <summary>Free pages on the lists of one type, all orders.</summary>
    public static long FreePagesOfType(this Zone zone, MigrateType mt)
    {
        long pages = 0;
        for (var order = 0; order < PageAlloc.NrPageOrders; order++)
        {
            pages += (long)zone.ListPfns(order, mt).Length << order;
        }

        return pages;
    }

    public static MigrateType BlockType(this Zone zone, int block) => zone.Blocks[block].MigrateType;

    public static void AssertAuditClean(Zone zone)
    {
        var report = ZoneAuditor.Audit(zone);
        Assert.True(report.IsClean, report.ToString());
    }
}
