namespace PcpTestbed.Model.Layout;

/// <summary>
/// Places a <see cref="ZoneImage"/>'s free chunks so that no chunk's buddy is free at the same order
/// (a buddy allocator would have merged them), then fills the rest with allocated chunks.
/// <para>
/// Blocks are arranged by role: aligned pairs holding the MAX_PAGE_ORDER chunks first, then each
/// free pageblock beside a block that keeps an allocated page, then the rest grouped by type. Inside a
/// block, "safe slots" are aligned ranges whose buddy range holds an allocated page; a chunk goes in
/// a slot of its order, or splits a larger slot at the cost of one more allocated page.
/// </para>
/// </summary>
internal sealed class FreeLayout
{
    private static readonly MigrateType[] TypeOrder =
        [MigrateType.Unmovable, MigrateType.Movable, MigrateType.Reclaimable, MigrateType.HighAtomic, MigrateType.Cma, MigrateType.Isolate];

    private readonly List<(int Pfn, int Order, MigrateType Mt)> _free = [];
    private readonly int _presentPages;
    private readonly long _reservedPages;

    private FreeLayout(MigrateType[] blockTypes, long reservedPages)
    {
        BlockTypes = blockTypes;
        _presentPages = blockTypes.Length * PageAlloc.PageblockNrPages;
        _reservedPages = reservedPages;
    }

    public MigrateType[] BlockTypes { get; }

    public static FreeLayout Plan(ZoneImage image)
    {
        Validate(image);
        var n = image.NrPageblocks;
        var types = new MigrateType[n];
        var layout = new FreeLayout(types, image.PresentPages - image.ManagedPages);

        // 1. Aligned pairs of blocks for the MAX_PAGE_ORDER chunks (they have no buddy to avoid).
        var block = 0;
        foreach (var mt in TypeOrder)
        {
            for (long i = 0; i < image.FreeChunks[(int)mt, PageAlloc.MaxPageOrder]; i++)
            {
                types[block] = mt;
                types[block + 1] = mt;
                layout._free.Add((block << PageAlloc.PageblockOrder, PageAlloc.MaxPageOrder, mt));
                block += 2;
            }
        }

        // 2. Each free pageblock beside a block that keeps an allocated page, so the two cannot merge.
        var others = new Queue<MigrateType>();
        var freeBlocks = new List<MigrateType>();
        foreach (var mt in TypeOrder)
        {
            var remaining = image.BlockCounts[(int)mt] - 2 * image.FreeChunks[(int)mt, PageAlloc.MaxPageOrder] - image.FreeChunks[(int)mt, PageAlloc.PageblockOrder];
            for (var i = 0; i < remaining; i++)
            {
                others.Enqueue(mt);
            }

            for (long i = 0; i < image.FreeChunks[(int)mt, PageAlloc.PageblockOrder]; i++)
            {
                freeBlocks.Add(mt);
            }
        }

        var otherBlocks = new List<int>();
        for (var i = 0; i < freeBlocks.Count; i++)
        {
            types[block] = freeBlocks[i];
            layout._free.Add((block << PageAlloc.PageblockOrder, PageAlloc.PageblockOrder, freeBlocks[i]));
            if (others.Count > 0)
            {
                types[block + 1] = others.Dequeue();
                otherBlocks.Add(block + 1);
                block += 2;
            }
            else if (block == n - 1)
            {
                // The zone's last block: its buddy lies outside the zone.
                block++;
            }
            else
            {
                throw new FormatException(
                    $"zone {image.Name}: {freeBlocks.Count} free pageblocks (order {PageAlloc.PageblockOrder}) cannot be kept apart by " +
                    $"{freeBlocks.Count - i - 1 + otherBlocks.Count} other blocks; a buddy allocator would have merged them");
            }
        }

        while (others.Count > 0)
        {
            types[block] = others.Dequeue();
            otherBlocks.Add(block);
            block++;
        }

        // 3. Chunks below pageblock order, largest first, into safe slots of their type's blocks.
        foreach (var mt in TypeOrder)
        {
            layout.PlaceSmallChunks(image, mt, otherBlocks.Where(b => types[b] == mt).ToList());
        }

        return layout;
    }

    private static void Validate(ZoneImage image)
    {
        if (image.BlockCounts.Length != MigrateTypes.Count || image.BlockCounts.Any(c => c < 0))
        {
            throw new FormatException($"zone {image.Name}: expected a non-negative pageblock count for each of the {MigrateTypes.Count} migratetypes");
        }

        if (image.NrPageblocks == 0)
        {
            throw new FormatException($"zone {image.Name}: the zone has no pageblocks");
        }

        if ((long)image.NrPageblocks * PageAlloc.PageblockNrPages > ZoneSpec.MaxPresentPages)
        {
            throw new FormatException(
                $"zone {image.Name}: {image.NrPageblocks} pageblocks exceed the largest zone the testbed models (64G, {ZoneSpec.MaxPresentPages / PageAlloc.PageblockNrPages} blocks)");
        }

        if (image.ManagedPages <= 0 || image.ManagedPages > image.PresentPages)
        {
            throw new FormatException(
                $"zone {image.Name}: managed pages {image.ManagedPages} must be in 1..{image.PresentPages} (the pageblocks' pages)");
        }

        foreach (var mt in MigrateTypes.All())
        {
            for (var order = 0; order < PageAlloc.NrPageOrders; order++)
            {
                if (image.FreeChunks[(int)mt, order] < 0)
                {
                    throw new FormatException($"zone {image.Name}: negative free count for {MigrateTypes.KernelName(mt)} at order {order}");
                }

                // Bounds every count before any sum: more chunks than the largest zone holds cannot be laid out.
                if (image.FreeChunks[(int)mt, order] > ZoneSpec.MaxPresentPages >> order)
                {
                    throw new FormatException(
                        $"zone {image.Name}: {image.FreeChunks[(int)mt, order]} free order-{order} chunks of {MigrateTypes.KernelName(mt)} exceed what a 64G zone holds");
                }
            }

            var blocks = image.BlockCounts[(int)mt];
            var big = 2 * image.FreeChunks[(int)mt, PageAlloc.MaxPageOrder] + image.FreeChunks[(int)mt, PageAlloc.PageblockOrder];
            if (big > blocks)
            {
                throw new FormatException(
                    $"zone {image.Name}: {MigrateTypes.KernelName(mt)} has {big} pageblocks' worth of free order-9/10 chunks but only {blocks} blocks");
            }

            if (image.FreePages(mt) > 0 && blocks == 0)
            {
                throw new FormatException($"zone {image.Name}: {MigrateTypes.KernelName(mt)} has free pages but no pageblocks");
            }
        }

        if (image.TotalFreePages() > image.ManagedPages)
        {
            throw new FormatException(
                $"zone {image.Name}: {image.TotalFreePages()} free pages exceed the {image.ManagedPages} managed pages");
        }
    }

    private void PlaceSmallChunks(ZoneImage image, MigrateType mt, List<int> blocks)
    {
        // Safe slots by order: an aligned range whose buddy range holds an allocated page.
        var slots = new Stack<int>[PageAlloc.PageblockOrder];
        for (var o = 0; o < slots.Length; o++)
        {
            slots[o] = new Stack<int>();
        }

        // Every block here keeps page 0 allocated; [2^i, 2^(i+1)) is then a safe slot of order i.
        foreach (var b in Enumerable.Reverse(blocks))
        {
            var start = b << PageAlloc.PageblockOrder;
            for (var o = 0; o < PageAlloc.PageblockOrder; o++)
            {
                slots[o].Push(start + (1 << o));
            }
        }

        for (var order = PageAlloc.PageblockOrder - 1; order >= 0; order--)
        {
            for (long i = 0; i < image.FreeChunks[(int)mt, order]; i++)
            {
                if (slots[order].Count > 0)
                {
                    _free.Add((slots[order].Pop(), order, mt));
                    continue;
                }

                var m = order + 1;
                while (m < slots.Length && slots[m].Count == 0)
                {
                    m++;
                }

                if (m == slots.Length)
                {
                    throw new FormatException(
                        $"zone {image.Name}: {MigrateTypes.KernelName(mt)}'s free chunks below order {PageAlloc.PageblockOrder} " +
                        $"do not fit in its {blocks.Count} partly allocated pageblocks without merging (ran out at order {order})");
                }

                // Split slot [s, s + 2^m): the chunk takes [s, s + 2^order); page s + 2^order stays
                // allocated, so the chunk's buddy is not free; the rest becomes smaller safe slots.
                var s = slots[m].Pop();
                _free.Add((s, order, mt));
                var pinned = s + (1 << order);
                for (var j = 0; j < order; j++)
                {
                    slots[j].Push(pinned + (1 << j));
                }

                for (var j = order + 1; j < m; j++)
                {
                    slots[j].Push(s + (1 << j));
                }
            }
        }
    }

    /// <summary>Puts the free chunks on the zone's lists and marks every other page allocated (or reserved).</summary>
    public void Apply(Zone zone)
    {
        foreach (var (pfn, order, mt) in _free)
        {
            zone.AddToFreeList(pfn, order, mt, tail: false);
            zone.AccountFreepages(1L << order, mt);
        }

        // Prefix sums of free pages answer "is [p, p + 2^o) free of free pages?" in O(1).
        var freePrefix = new int[_presentPages + 1];
        var isFree = new bool[_presentPages];
        foreach (var (pfn, order, _) in _free)
        {
            Array.Fill(isFree, true, pfn, 1 << order);
        }

        for (var p = 0; p < _presentPages; p++)
        {
            freePrefix[p + 1] = freePrefix[p] + (isFree[p] ? 1 : 0);
        }

        var allocated = new List<(int Pfn, int Order)>();
        for (var p = 0; p < _presentPages;)
        {
            if (isFree[p])
            {
                p += 1 << zone.Pages[p].Order;
                continue;
            }

            var o = PageAlloc.PageblockOrder;
            while ((p & ((1 << o) - 1)) != 0 || freePrefix[p + (1 << o)] - freePrefix[p] != 0)
            {
                o--;
            }

            allocated.Add((p, o));
            p += 1 << o;
        }

        // present - managed pages are reserved: the last pages of the allocated chunks, from the zone's end.
        var reserved = _reservedPages;
        for (var i = allocated.Count - 1; i >= 0; i--)
        {
            var (pfn, order) = allocated[i];
            var end = pfn + (1 << order);
            var take = (int)Math.Min(reserved, 1L << order);
            Tile(zone, pfn, end - take, PageState.Allocated);
            Tile(zone, end - take, end, PageState.Reserved);
            reserved -= take;
        }

        if (reserved != 0)
        {
            throw new FormatException($"zone {zone.Name}: {reserved} reserved pages (present - managed) left over: too few allocated pages to hold them");
        }
    }

    /// <summary>Covers [start, end) with maximal aligned chunks in <paramref name="state"/>.</summary>
    private static void Tile(Zone zone, int start, int end, PageState state)
    {
        for (var p = start; p < end;)
        {
            var order = Math.Min(PageAlloc.MaxPageOrder, System.Numerics.BitOperations.TrailingZeroCount(p | (1 << PageAlloc.MaxPageOrder)));
            while (p + (1 << order) > end)
            {
                order--;
            }

            if (state == PageState.Reserved)
            {
                zone.Pages[p].State = PageState.Reserved;
                zone.Pages[p].Order = (byte)order;
            }
            else
            {
                MarkAllocated(zone, p, order);
            }

            p += 1 << order;
        }
    }

    private static void MarkAllocated(Zone zone, int pfn, int order)
    {
        ref var page = ref zone.Pages[pfn];
        page.State = PageState.Allocated;
        page.Order = (byte)order;
        // Pages in movable and CMA blocks are taken to be movable (LRU) pages, the rest not.
        page.Tag = (byte)(zone.GetPageblockMigratetype(pfn) switch
        {
            MigrateType.Movable or MigrateType.Cma or MigrateType.Isolate => MigrateType.Movable,
            MigrateType.Reclaimable => MigrateType.Reclaimable,
            _ => MigrateType.Unmovable,
        });
    }
}
