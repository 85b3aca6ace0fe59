using PcpTestbed.Model;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs;

// The highatomic rules of each variant: who may use the reserve, who may grow it, and the PCP bypass.
public abstract partial class PageAllocator<TExec>
{
    /// <summary>
    /// gfp_to_alloc_flags_nonblocking() (named in v3; the same logic sits inside gfp_to_alloc_flags() in
    /// the other variants): non-blocking requests without __GFP_NOMEMALLOC may use more reserves, and
    /// high-order __GFP_HIGH ones the highatomic reserve.
    /// </summary>
    protected static AllocFlags GfpToAllocFlagsNonblocking(Gfp gfp, int order)
    {
        AllocFlags flags = 0;
        if ((gfp & Gfp.DirectReclaim) == 0 && (gfp & Gfp.NoMemalloc) == 0)
        {
            flags |= AllocFlags.NonBlock;
            if (order > 0 && (gfp & Gfp.High) != 0)
            {
                flags |= AllocFlags.HighAtomic;
            }
        }

        return flags;
    }

    /// <summary>gfp_to_alloc_flags(): the slow path's flags.</summary>
    protected AllocFlags GfpToAllocFlags(Gfp gfp, int order)
    {
        var flags = AllocFlags.WmarkMin | AllocFlags.Cpuset;

        // __GFP_HIGH is ALLOC_MIN_RESERVE and __GFP_KSWAPD_RECLAIM is ALLOC_KSWAPD, bit for bit.
        flags |= (AllocFlags)(gfp & (Gfp.High | Gfp.KswapdReclaim));
        if (!gfp.AllowsBlocking())
        {
            flags |= GfpToAllocFlagsNonblocking(gfp, order);
            if (_config.Highatomic == HighatomicVariant.V2 && (flags & AllocFlags.HighAtomic) != 0)
            {
                // v2: only the slow path may grow the reserve.
                flags |= AllocFlags.HighAtomicReserve;
            }

            // Non-blocking __GFP_HIGH (probably GFP_ATOMIC) ignores cpuset mems rather than fail.
            if ((flags & AllocFlags.MinReserve) != 0)
            {
                flags &= ~AllocFlags.Cpuset;
            }
        }

        return flags | CmaFlags(gfp);
    }

    /// <summary>
    /// The highatomic bits a variant adds on the fast path: v2's alloc_flags_highatomic_fastpath()
    /// (orders 1..PAGE_ALLOC_COSTLY_ORDER) and v3's gfp_to_alloc_flags_nonblocking() &amp; ALLOC_HIGHATOMIC
    /// (any order above 0, as the slow path). Earlier variants add nothing.
    /// </summary>
    protected AllocFlags FastpathHighatomicFlags(Gfp gfp, int order) => _config.Highatomic switch
    {
        HighatomicVariant.V2 when order <= PageAlloc.PageAllocCostlyOrder => GfpToAllocFlagsNonblocking(gfp, order) & AllocFlags.HighAtomic,
        HighatomicVariant.V3 => GfpToAllocFlagsNonblocking(gfp, order) & AllocFlags.HighAtomic,
        _ => 0,
    };

    /// <summary>Whether an allocation that just succeeded may reserve its block for highatomic use.</summary>
    protected bool MayGrowHighatomic(AllocFlags flags, int order, bool fromBuddy) => _config.Highatomic switch
    {
        // Before the Mar 2026 fix: any ALLOC_HIGHATOMIC success, PCP hits included.
        HighatomicVariant.Pre202603 => (flags & AllocFlags.HighAtomic) != 0,

        // Buddy path only, above the costly order (an order-1 request reserving 512 pages is 256x too much).
        HighatomicVariant.May2026 => fromBuddy && (flags & AllocFlags.HighAtomic) != 0 && order > PageAlloc.PageAllocCostlyOrder,

        // v2: growth needs ALLOC_HIGHATOMIC_RESERVE, which only the slow path sets.
        HighatomicVariant.V2 => fromBuddy && (flags & AllocFlags.HighAtomicReserve) != 0 && order > PageAlloc.PageAllocCostlyOrder,

        // v3: the slow path is recognised by its watermark bits; WMARK_MIN is 0 and cannot be tested as a bit.
        HighatomicVariant.V3 => fromBuddy && (flags & AllocFlags.HighAtomic) != 0 &&
                                (flags & AllocFlags.WmarkMask) == AllocFlags.WmarkMin && order > PageAlloc.PageAllocCostlyOrder,
        _ => false,
    };

    /// <summary>From the Mar 2026 fix on, an ALLOC_HIGHATOMIC request does not refill an empty PCP list: it goes to the buddy, which tries the reserve first.</summary>
    protected bool HighatomicPcpBypass(AllocFlags flags) =>
        _config.Highatomic != HighatomicVariant.Pre202603 && (flags & AllocFlags.HighAtomic) != 0;

    /// <summary>reserve_highatomic_pageblock(): a racy cap check, then the conversion under zone->lock.</summary>
    private void ReserveHighatomicPageblock(int cpu, int pfn, int order)
    {
        _exec.SharedRead(SharedLocation.ZoneHighatomic, AccessSite.HighatomicReserveCheck);
        if (!_zone.HighatomicReserveMayGrow())
        {
            return;
        }

        _exec.Lock(ref _zone.Lock, cpu, LockSite.Highatomic);
        if (_zone.ReserveHighatomicPageblockLocked(pfn, order, recheckCap: !Has(InjectedBug.HighatomicCapNotRechecked)))
        {
            _stats[cpu].HighatomicReserveEvents++;
            _highatomicReservedMax = Math.Max(_highatomicReservedMax, _zone.NrReservedHighatomic);
        }

        _exec.Unlock(ref _zone.Lock, cpu);
    }

    /// <summary>unreserve_highatomic_pageblock(): give a reserved block back to <paramref name="mt"/>. Keeps one block unless forced.</summary>
    protected bool UnreserveHighatomicPageblock(int cpu, MigrateType mt, bool force)
    {
        _exec.SharedRead(SharedLocation.ZoneHighatomic, AccessSite.HighatomicUnreserveCheck);
        if (!_zone.HighatomicMayUnreserve(force))
        {
            return false;
        }

        _exec.Lock(ref _zone.Lock, cpu, LockSite.Highatomic);
        var moved = _zone.UnreserveHighatomicPageblockLocked(mt);
        _exec.Unlock(ref _zone.Lock, cpu);
        if (moved > 0)
        {
            _stats[cpu].HighatomicUnreserveEvents++;
        }

        return moved > 0;
    }

    /// <summary>
    /// Fast-path statistics for the requests the slow path would let use the reserve (non-blocking
    /// __GFP_HIGH, order above 0, not __GFP_NOMEMALLOC): hits served from a HIGHATOMIC block, and misses
    /// served from another type while the reserve had a free chunk that would have fit.
    /// </summary>
    private void CountFastpathHighatomic(ref CpuCounters st, Gfp gfp, int order, MigrateType sourceMt)
    {
        if ((GfpToAllocFlagsNonblocking(gfp, order) & AllocFlags.HighAtomic) == 0)
        {
            return;
        }

        if (sourceMt == MigrateType.HighAtomic)
        {
            st.HighatomicFastpathHits++;
            return;
        }

        // A miss: the reserve had a free chunk that would have fit.
        for (var o = order; o < PageAlloc.NrPageOrders; o++)
        {
            if (!_zone.FreeAreaEmpty(o, MigrateType.HighAtomic))
            {
                st.HighatomicMisses++;
                return;
            }
        }
    }
}
