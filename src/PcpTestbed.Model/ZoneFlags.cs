namespace PcpTestbed.Model;

/// <summary>zone->flags bits the allocator reads (enum zone_flags). Set and cleared atomically.</summary>
[Flags]
public enum ZoneFlags
{
    None = 0,

    /// <summary>ZONE_BOOSTED_WATERMARK: a fallback boosted the watermark; wake kswapd.</summary>
    BoostedWatermark = 1 << 0,

    /// <summary>ZONE_RECLAIM_ACTIVE: kswapd is reclaiming; PCPs hold fewer pages.</summary>
    ReclaimActive = 1 << 1,

    /// <summary>ZONE_BELOW_HIGH: free pages fell below the high watermark; PCPs shrink high.</summary>
    BelowHigh = 1 << 2,
}
