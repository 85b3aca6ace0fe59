namespace PcpTestbed.Model.Sync;

/// <summary>
/// What kind of shared object a scheduling point touches (<see cref="SharedLocation"/>). Each names the kernel
/// field or object it stands for; the index of a location says which instance (a CPU, a pageblock, a pfn).
/// </summary>
public enum LocationKind : byte
{
    /// <summary>pcp-&gt;count of CPU Index.</summary>
    PcpCount,

    /// <summary>pcp-&gt;high of CPU Index.</summary>
    PcpHigh,

    /// <summary>pcp-&gt;batch, high_min and high_max of CPU Index (zone_pcp_update() writes them with WRITE_ONCE).</summary>
    PcpSizing,

    /// <summary>The list heads of CPU Index's PCP.</summary>
    PcpLists,

    /// <summary>The lock-free variant's remote-free list head of CPU Index.</summary>
    PcpRemoteFreeHead,

    /// <summary>The pageblock word (migratetype and owner) of block Index.</summary>
    PageblockWord,

    /// <summary>The struct page of zone-relative pfn Index (state, order, tag, links).</summary>
    Page,

    /// <summary>free_area[Index]: its free lists (one per migratetype) and nr_free, guarded by zone-&gt;lock.</summary>
    FreeArea,

    /// <summary>The owned_blocks list of CPU Index (the pageblock-owning RFC), guarded by zone-&gt;lock.</summary>
    OwnedBlocks,

    /// <summary>The zone's vm_stat counters (NR_FREE_PAGES, NR_FREE_CMA_PAGES, nr_free_highatomic) and free_area[].nr_free.</summary>
    ZoneCounters,

    /// <summary>zone-&gt;nr_reserved_highatomic.</summary>
    ZoneHighatomic,

    /// <summary>zone-&gt;flags.</summary>
    ZoneFlags,

    /// <summary>zone-&gt;watermark_boost.</summary>
    ZoneWatermarkBoost,

    /// <summary>cpu_online_mask bit of CPU Index.</summary>
    CpuOnline,

    /// <summary>pcpu_drain_mutex.</summary>
    DrainMutex,

    /// <summary>State a Coyote scenario races on itself (the canary), Index chosen by the scenario.</summary>
    Scenario,
}
