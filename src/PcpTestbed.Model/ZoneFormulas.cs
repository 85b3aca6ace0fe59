namespace PcpTestbed.Model;

/// <summary>
/// The kernel's sizing formulas for watermarks, PCP batch and high, and the highatomic cap
/// (mm/page_alloc.c: calculate_min_free_kbytes, __setup_per_zone_wmarks, zone_batchsize, zone_highsize).
/// </summary>
public static class ZoneFormulas
{
    /// <summary>int_sqrt().</summary>
    public static long IntSqrt(long x)
    {
        if (x < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(x));
        }

        var r = (long)Math.Sqrt(x);
        while (r * r > x)
        {
            r--;
        }

        while ((r + 1) * (r + 1) <= x)
        {
            r++;
        }

        return r;
    }

    /// <summary>
    /// calculate_min_free_kbytes(): clamp(int_sqrt(lowmem_kbytes * 16), 128, 262144). At boot the
    /// watermarks are still 0, so nr_free_buffer_pages() is the managed lowmem.
    /// </summary>
    public static long CalculateMinFreeKbytes(long lowmemPages)
    {
        var lowmemKbytes = lowmemPages * (PageAlloc.PageSizeBytes / 1024);
        return Math.Clamp(IntSqrt(lowmemKbytes * 16), 128, 262144);
    }

    /// <summary>
    /// __setup_per_zone_wmarks() for a lowmem zone: min is the zone's share of min_free_kbytes by
    /// managed pages; each further mark adds max(min / 4, managed * watermark_scale_factor / 10000).
    /// </summary>
    public static Watermarks SetupPerZoneWmarks(long managedPages, long lowmemPages, long minFreeKbytes, int watermarkScaleFactor)
    {
        if (lowmemPages < managedPages)
        {
            throw new ArgumentOutOfRangeException(nameof(lowmemPages), "lowmem pages include the zone's own managed pages");
        }

        var pagesMin = minFreeKbytes >> (PageAlloc.PageShift - 10);
        var min = (long)((Int128)pagesMin * managedPages / lowmemPages);
        var delta = Math.Max(min >> 2, managedPages * watermarkScaleFactor / 10000);
        var low = min + delta;
        var high = low + delta;
        return new Watermarks(min, low, high, high + delta);
    }

    /// <summary>
    /// set_recommended_min_free_kbytes() (mm/khugepaged.c): with THP enabled the kernel raises
    /// min_free_kbytes to keep two free pageblocks per populated zone up to ZONE_NORMAL for
    /// fragmentation avoidance, plus MIGRATE_PCPTYPES² for fallbacks, at most 5% of lowmem.
    /// </summary>
    public static long ThpRecommendedMinFreeKbytes(int populatedZonesUpToNormal, long lowmemPages)
    {
        long pages = (long)PageAlloc.PageblockNrPages * populatedZonesUpToNormal * (2 + MigrateTypes.PcpTypes * MigrateTypes.PcpTypes);
        pages = Math.Min(pages, lowmemPages / 20);
        return pages * (PageAlloc.PageSizeBytes / 1024);
    }

    /// <summary>
    /// __setup_per_zone_wmarks() for a HighMem or Movable zone: __GFP_HIGH and PF_MEMALLOC allocations
    /// rarely need those zones, so min is capped at clamp(managed / 1024, SWAP_CLUSTER_MAX, 128); the gaps
    /// between the marks still use the zone's proportional share.
    /// </summary>
    public static Watermarks SetupHighOrMovableZoneWmarks(long managedPages, long lowmemPages, long minFreeKbytes, int watermarkScaleFactor)
    {
        var pagesMin = minFreeKbytes >> (PageAlloc.PageShift - 10);
        var share = lowmemPages == 0 ? 0 : (long)((Int128)pagesMin * managedPages / lowmemPages);
        var min = Math.Clamp(managedPages / 1024, PageAlloc.SwapClusterMax, 128);
        var delta = Math.Max(share >> 2, managedPages * watermarkScaleFactor / 10000);
        return new Watermarks(min, min + delta, min + 2 * delta, min + 3 * delta);
    }

    /// <summary>The watermarks of a zone that is the node's only lowmem zone, with default sysctls.</summary>
    public static Watermarks DefaultWatermarks(long managedPages) =>
        SetupPerZoneWmarks(managedPages, managedPages, CalculateMinFreeKbytes(managedPages), PageAlloc.DefaultWatermarkScaleFactor);

    /// <summary>
    /// zone_batchsize(): ~0.1% of the zone or 1 MiB, whichever is smaller, divided by 4 and clamped
    /// to 2^n - 1 (a power of two aliases badly in the cache). zone_set_pageset_high_and_batch()
    /// keeps it at least 1.
    /// </summary>
    public static int ZoneBatchsize(long managedPages)
    {
        var batch = (int)Math.Min(managedPages >> 10, (1 << 20) / PageAlloc.PageSizeBytes);
        batch /= 4;
        if (batch < 1)
        {
            batch = 1;
        }

        batch = RoundDownPowerOfTwo(batch + batch / 2) - 1;
        return Math.Max(1, batch);
    }

    /// <summary>
    /// zone_highsize(): <paramref name="totalPages"/> split across the CPUs local to the zone, at
    /// least 4 * batch.
    /// </summary>
    public static int ZoneHighsize(long totalPages, int batch, int nrSplitCpus)
    {
        if (nrSplitCpus <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(nrSplitCpus));
        }

        var high = (int)Math.Min(int.MaxValue, totalPages / nrSplitCpus);
        return Math.Max(high, batch << 2);
    }

    /// <summary>
    /// zone_set_pageset_high_and_batch() with vm.percpu_pagelist_high_fraction = 0: high_min follows
    /// the low watermark, high_max one eighth of the zone, both split across the CPUs.
    /// With a fraction set, both are managed / fraction per CPU.
    /// </summary>
    public static (int HighMin, int HighMax) PcpHigh(long managedPages, long lowWatermark, int batch, int cpus, int highFraction = 0)
    {
        if (highFraction != 0)
        {
            var high = ZoneHighsize(managedPages / highFraction, batch, cpus);
            return (high, high);
        }

        return (ZoneHighsize(lowWatermark, batch, cpus),
                ZoneHighsize(managedPages / PageAlloc.MinPercpuPagelistHighFraction, batch, cpus));
    }

    public static int RoundDownPowerOfTwo(int x)
    {
        if (x <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(x));
        }

        return 1 << (31 - int.LeadingZeroCount(x));
    }
}
