using PcpTestbed.Model;

namespace PcpTestbed.Designs;

/// <summary>A snapshot of an allocator's statistics, summed over CPUs, plus the zone's events.</summary>
public sealed record AllocatorStats
{
    public long Allocations { get; init; }
    public long AllocatedPages { get; init; }
    public long Failures { get; init; }
    public long Frees { get; init; }
    public long FreedPages { get; init; }
    public long PcpAllocations { get; init; }
    public long BuddyAllocations { get; init; }
    public long SlowpathAllocations { get; init; }
    public long PcpAllocTrylockFailures { get; init; }
    public long PcpFreeTrylockFailures { get; init; }
    public long Refills { get; init; }
    public long RefillPages { get; init; }

    /// <summary>Refills each phase P0..P3 contributed to (pageblock designs; zeros for mainline).</summary>
    public long[] RefillsByPhase { get; init; } = new long[4];

    /// <summary>Pages each phase P0..P3 delivered.</summary>
    public long[] PagesByPhase { get; init; } = new long[4];

    public long RemoteFrees { get; init; }
    public long RemoteFreeFallbacks { get; init; }
    public long RemoteFreeReroutes { get; init; }
    /// <summary>free_unref_folios() calls; their folios count in <see cref="Frees"/>.</summary>
    public long FreeBatches { get; init; }

    /// <summary>pcp->lock acquisitions free_unref_folios() made: one per same-PCP run (per owner group on pageblock).</summary>
    public long FreeBatchPcpLocks { get; init; }

    /// <summary>free_frozen_page_commit() took pcp->lock back between chunks of its bulk free.</summary>
    public long FreeCommitRelocks { get; init; }

    /// <summary>free_frozen_page_commit() found pcp->lock taken between chunks and left the rest on the PCP.</summary>
    public long FreeCommitStops { get; init; }

    public long BulkFrees { get; init; }
    public long BulkFreedPages { get; init; }
    public long PcpMerges { get; init; }

    /// <summary>Pages served by the migratetype of their block, indexed by <see cref="MigrateType"/>.</summary>
    public long[] SourcePages { get; init; } = new long[MigrateTypes.Count];

    public long HighatomicFastpathHits { get; init; }
    public long HighatomicMisses { get; init; }
    public long HighatomicReserveEvents { get; init; }
    public long HighatomicUnreserveEvents { get; init; }
    public long HighatomicReservedStart { get; init; }
    public long HighatomicReservedMax { get; init; }
    public long HighatomicReservedEnd { get; init; }
    public long DirectReclaims { get; init; }

    /// <summary>vmstat pgalloc by requested migratetype, in pages, indexed by <see cref="MigrateType"/>; sums to <see cref="AllocatedPages"/>.</summary>
    public long[] PgallocByMigratetype { get; init; } = new long[MigrateTypes.Count];

    /// <summary>vmstat pgfree by the freed page's block migratetype, in pages; sums to <see cref="FreedPages"/>.</summary>
    public long[] PgfreeByMigratetype { get; init; } = new long[MigrateTypes.Count];

    /// <summary>Movable allocations made while free CMA exceeded half of free pages (<see cref="CpuCounters.MovableAllocsCmaOverHalf"/>).</summary>
    public long MovableAllocsCmaOverHalf { get; init; }

    /// <summary>Of those, the allocations served from a CMA pageblock.</summary>
    public long MovableAllocsCmaOverHalfFromCma { get; init; }
    public long DrainAllPagesCalls { get; init; }

    public long Claims { get; init; }
    public long Steals { get; init; }
    public long WatermarkBoosts { get; init; }
    public long OwnershipReleases { get; init; }

    /// <summary>Pages held by callers: allocated minus freed.</summary>
    public long HeldPages => AllocatedPages - FreedPages;
}
