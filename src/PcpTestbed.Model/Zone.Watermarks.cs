namespace PcpTestbed.Model;

// Watermark checks: zone_watermark_fast(), zone_watermark_ok(), __zone_watermark_ok().
// They read the counters and free lists without zone->lock, as the kernel does.
public sealed partial class Zone
{
    /// <summary>
    /// lowmem_reserve[] for allocations that target this zone. The emulation has one zone, the
    /// highest one a request may use, so its protection is 0 as in /proc/zoneinfo's "protection: (0, ...)".
    /// </summary>
    public long LowmemReserve { get; set; }

    /// <summary>wmark_pages(): a watermark plus the boost.</summary>
    public long WmarkPages(WatermarkKind kind) => _watermarks[kind] + WatermarkBoost;

    /// <summary>__zone_watermark_unusable_free(): free pages this request may not count.</summary>
    public long ZoneWatermarkUnusableFree(int order, AllocFlags allocFlags)
    {
        var unusable = (1L << order) - 1;

        // Callers without rights to the reserves below min cannot use the free highatomic pages.
        if ((allocFlags & AllocFlags.Reserves) == 0)
        {
            unusable += NrFreeHighatomic;
        }

        // Callers that cannot use CMA cannot count free CMA pages.
        if ((allocFlags & AllocFlags.Cma) == 0)
        {
            unusable += NrFreeCmaPages;
        }

        return unusable;
    }

    /// <summary>__zone_watermark_ok().</summary>
    public bool ZoneWatermarkOk(int order, long mark, AllocFlags allocFlags, long freePages)
    {
        var min = mark;

        // free_pages may go negative: that's OK.
        freePages -= ZoneWatermarkUnusableFree(order, allocFlags);

        if ((allocFlags & AllocFlags.Reserves) != 0)
        {
            // __GFP_HIGH may use half of the min reserve.
            if ((allocFlags & AllocFlags.MinReserve) != 0)
            {
                min -= min / 2;

                // Non-blocking __GFP_HIGH (GFP_ATOMIC) may use a quarter more.
                if ((allocFlags & AllocFlags.NonBlock) != 0)
                {
                    min -= min / 4;
                }
            }

            // OOM victims may go further still: they are about to free memory.
            if ((allocFlags & AllocFlags.Oom) != 0)
            {
                min -= min / 2;
            }
        }

        // If an order-0 request would fail, so does any higher order.
        if (freePages <= min + LowmemReserve)
        {
            return false;
        }

        if (order == 0)
        {
            return true;
        }

        // For a high-order request, a suitable free chunk must exist.
        for (var o = order; o < PageAlloc.NrPageOrders; o++)
        {
            if (NrFree(o) == 0)
            {
                continue;
            }

            for (var mt = 0; mt < MigrateTypes.PcpTypes; mt++)
            {
                if (!FreeAreaEmpty(o, (MigrateType)mt))
                {
                    return true;
                }
            }

            if ((allocFlags & AllocFlags.Cma) != 0 && !FreeAreaEmpty(o, MigrateType.Cma))
            {
                return true;
            }

            if ((allocFlags & (AllocFlags.HighAtomic | AllocFlags.Oom)) != 0 && !FreeAreaEmpty(o, MigrateType.HighAtomic))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>zone_watermark_ok().</summary>
    public bool ZoneWatermarkOk(int order, long mark, AllocFlags allocFlags) =>
        ZoneWatermarkOk(order, mark, allocFlags, NrFreePages);

    /// <summary>zone_watermark_fast(): the order-0 shortcut, then the full check, then the boost exemption.</summary>
    public bool ZoneWatermarkFast(int order, long mark, AllocFlags allocFlags)
    {
        var freePages = NrFreePages;

        if (order == 0)
        {
            var usableFree = freePages;
            var reserved = ZoneWatermarkUnusableFree(0, allocFlags);

            // reserved may overestimate the highatomic reserves.
            usableFree -= Math.Min(usableFree, reserved);
            if (usableFree > mark + LowmemReserve)
            {
                return true;
            }
        }

        if (ZoneWatermarkOk(order, mark, allocFlags, freePages))
        {
            return true;
        }

        // Ignore the boost for __GFP_HIGH order-0 requests checking the min watermark: min is where
        // boosting stops mattering, so kswapd still wakes below low.
        if (order == 0 && (allocFlags & AllocFlags.MinReserve) != 0 && WatermarkBoost != 0 &&
            (allocFlags & AllocFlags.WmarkMask) == AllocFlags.WmarkMin)
        {
            return ZoneWatermarkOk(order, _watermarks.Min, allocFlags, freePages);
        }

        return false;
    }
}
