using PcpTestbed.Model.Sync;

namespace PcpTestbed.Model.Layout;

/// <summary>Builds zones: from a spec (everything free, as after boot) or from a /proc image.</summary>
public static class ZoneBuilder
{
    /// <summary>
    /// A zone as the kernel leaves it after boot: every pageblock typed by the spec, every page
    /// freed block by block through __free_one_page(), so same-type (or mergeable) neighbours merge
    /// into MAX_PAGE_ORDER chunks. Watermarks follow the kernel's formulas for a zone that is the
    /// only lowmem zone, unless the spec gives them.
    /// </summary>
    public static Zone Build(ZoneSpec spec)
    {
        var types = spec.ResolveBlockTypes();
        var watermarks = spec.Watermarks ?? ZoneFormulas.DefaultWatermarks(spec.PresentPages);
        var zone = new Zone(spec.PresentPages, spec.PresentPages, watermarks, spec.StartPfn, spec.Name);
        SetBlockTypes(zone, types);

        var highatomicPages = (long)types.Count(t => t == MigrateType.HighAtomic) * PageAlloc.PageblockNrPages;
        if (highatomicPages > zone.HighatomicMaxPages)
        {
            throw new FormatException(
                $"zone spec '{spec.Describe()}': {highatomicPages / PageAlloc.PageblockNrPages} HIGHATOMIC blocks exceed the reserve's cap of " +
                $"{zone.HighatomicMaxPages / PageAlloc.PageblockNrPages} blocks (1% of the zone, in whole blocks)");
        }

        WithBootLock(zone, () =>
        {
            zone.InitReservedHighatomic(highatomicPages);
            for (var block = 0; block < zone.NrPageblocks; block++)
            {
                var pfn = block << PageAlloc.PageblockOrder;
                // Boot hands pages over with FPI_TO_TAIL (memblock_free_pages -> __free_pages_core).
                zone.FreeOnePage(pfn, PageAlloc.PageblockOrder, types[block], FpiFlags.ToTail);
            }
        });
        return zone;
    }

    /// <summary>
    /// A zone with exactly an image's block and free-chunk counts. Blocks are grouped by role and
    /// type (the image says how many, not where); free chunks are placed so that none could merge
    /// with its buddy; every other page is allocated, except present - managed pages, which are reserved.
    /// </summary>
    /// <exception cref="FormatException">The counts cannot form a valid zone (the message says which).</exception>
    public static Zone BuildImage(ZoneImage image)
    {
        var layout = FreeLayout.Plan(image);
        var zone = new Zone(image.PresentPages, image.ManagedPages, image.Watermarks, image.StartPfn, image.Name);
        SetBlockTypes(zone, layout.BlockTypes);

        // A kernel's reserve can pass the cap by at most what one order-10 reservation adds past it.
        var reserved = (long)image.BlockCounts[(int)MigrateType.HighAtomic] * PageAlloc.PageblockNrPages;
        var overshoot = Math.Max(0, reserved - zone.HighatomicMaxPages);
        if (overshoot > PageAlloc.MaxOrderNrPages - PageAlloc.PageblockNrPages)
        {
            throw new FormatException(
                $"zone {image.Name}: {image.BlockCounts[(int)MigrateType.HighAtomic]} HIGHATOMIC blocks exceed the reserve's cap of " +
                $"{zone.HighatomicMaxPages / PageAlloc.PageblockNrPages} blocks (1% of the zone) by more than one order-10 reservation could");
        }

        WithBootLock(zone, () =>
        {
            zone.InitReservedHighatomic(reserved, overshoot);
            layout.Apply(zone);
        });
        return zone;
    }

    private static void SetBlockTypes(Zone zone, MigrateType[] types)
    {
        for (var block = 0; block < types.Length; block++)
        {
            zone.Blocks[block].Word = Pageblock.Compose(types[block], owner: -1);
        }
    }

    // Boot runs before any CPU allocates; the builder holds zone->lock so the buddy functions' lockdep checks hold.
    private static void WithBootLock(Zone zone, Action build)
    {
        DirectExecution.Seize(ref zone.Lock, cpu: 0);
        try
        {
            build();
        }
        finally
        {
            DirectExecution.Release(ref zone.Lock);
        }
    }
}
