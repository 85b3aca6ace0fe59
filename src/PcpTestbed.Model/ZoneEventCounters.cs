namespace PcpTestbed.Model;

/// <summary>Counters of zone events that explain fragmentation behaviour. Guarded by zone->lock.</summary>
public sealed class ZoneEventCounters
{
    /// <summary>Whole pageblocks claimed by a fallback (try_to_claim_block() succeeded).</summary>
    public long Claims;

    /// <summary>Pages stolen from a fallback type without claiming the block (__rmqueue_steal()).</summary>
    public long Steals;

    /// <summary>Allocations served from CMA by __rmqueue()'s balancing rule or its CMA mode.</summary>
    public long CmaAllocations;

    /// <summary>boost_watermark() raised the boost.</summary>
    public long WatermarkBoosts;

    /// <summary>reserve_highatomic_pageblock() converted a block.</summary>
    public long HighatomicReserves;

    /// <summary>unreserve_highatomic_pageblock() released a block.</summary>
    public long HighatomicUnreserves;
}
