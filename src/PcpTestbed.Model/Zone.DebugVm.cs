using PcpTestbed.Model.Audit;

namespace PcpTestbed.Model;

// CONFIG_DEBUG_VM's checks of __rmqueue()'s CMA balancing rule, made under zone->lock on the values the rule reads.
public sealed partial class Zone
{
    /// <summary>
    /// The invariant the CMA-first check reports: with ALLOC_CMA, while free CMA is over half of the free pages and a CMA
    /// chunk that fits is free, the chunk taken is CMA (the catalogue's cma-refill scenario names it the same).
    /// </summary>
    public const string CmaFirstInvariant = "cma-first";

    /// <summary>CONFIG_DEBUG_VM's warnings, or null (the default): no check runs. Set by the allocator from its configuration, before any CPU runs.</summary>
    public VmWarnings? DebugVm { get; set; }

    /// <summary>
    /// <see cref="CmaOverHalf"/> under zone->lock, which every writer of both counters holds (account_freepages()), so the
    /// answer holds until the lock is dropped.
    /// </summary>
    public bool CmaOverHalfLocked()
    {
        AssertLocked();
        return CmaOverHalf(_nrFreeCmaPages, _nrFreePages);
    }

    /// <summary>The lowest order in <paramref name="minOrder"/>..<paramref name="maxOrder"/> whose free_list[MIGRATE_CMA] holds a chunk, or -1.</summary>
    public int LowestFreeCmaOrderLocked(int minOrder, int maxOrder)
    {
        AssertLocked();
        for (var o = minOrder; o <= maxOrder; o++)
        {
            if (GetPageFromFreeArea(o, MigrateType.Cma) >= 0)
            {
                return o;
            }
        }

        return -1;
    }

    /// <summary>
    /// Reports a CMA-first violation at <paramref name="where"/>: <paramref name="pfn"/> (zone-relative) was taken from a
    /// block of another type while free CMA was over half and an order-<paramref name="cmaOrder"/> CMA chunk was free.
    /// </summary>
    public void WarnCmaFirst(string where, int pfn, int order, long freeCma, long free, int cmaOrder)
    {
        var taken = Blocks[pfn >> PageAlloc.PageblockOrder].MigrateType;
        DebugVm?.Report(CmaFirstInvariant,
            $"{where} took an order-{order} chunk at pfn {AbsolutePfn(pfn):x} from a {MigrateTypes.KernelName(taken)} pageblock for an ALLOC_CMA " +
            $"request while free CMA {freeCma} > half of {free} free pages and free_list[CMA] held an order-{cmaOrder} chunk, unlike __rmqueue()");
    }

    /// <summary>
    /// __rmqueue() under CONFIG_DEBUG_VM: "Balance movable allocations between regular and CMA areas by allocating from
    /// CMA when over half of the zone's free memory is in the CMA area" (__rmqueue_cma_fallback() first), checked on the
    /// counters as the rule read them, before the take, and the block the chunk came from after it. The CMA free lists are
    /// searched only when the chunk is not CMA: a take from another type's list leaves free_list[CMA] as it was (no fallback
    /// takes MIGRATE_CMA, and expand() gives the split-off buddies the taken chunk's type), so the search after the take sees
    /// what the rule saw, and a chunk taken as the rule asks costs no search under zone->lock.
    /// </summary>
    private int RmqueueChecked(int order, MigrateType mt, AllocFlags allocFlags, ref RmqueueMode mode)
    {
        long freeCma = _nrFreeCmaPages, free = _nrFreePages;
        var pfn = RmqueueLocked(order, mt, allocFlags, ref mode);
        if (pfn < 0 || (allocFlags & AllocFlags.Cma) == 0 || !CmaOverHalf(freeCma, free))
        {
            return pfn;
        }

        DebugVm!.Checked();
        if (Blocks[pfn >> PageAlloc.PageblockOrder].MigrateType != MigrateType.Cma && LowestFreeCmaOrderLocked(order, PageAlloc.MaxPageOrder) is var cmaOrder and >= 0)
        {
            WarnCmaFirst("__rmqueue()", pfn, order, freeCma, free, cmaOrder);
        }

        return pfn;
    }
}
