using System.Runtime.InteropServices;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs;

/// <summary>
/// Statistics one CPU keeps about its own operations. Each CPU writes only its own record (padded against
/// false sharing); readers sum them at quiescent points or after a run.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct CpuCounters // do not make readonly: incremented in place
{
    private CacheLinePad _before;

    public long Allocations;
    public long AllocatedPages;
    public long Failures;
    public long Frees;
    public long FreedPages;

    /// <summary>Allocations served from a PCP list.</summary>
    public long PcpAllocations;

    /// <summary>Allocations served by rmqueue_buddy().</summary>
    public long BuddyAllocations;

    /// <summary>Allocations that needed the slow path.</summary>
    public long SlowpathAllocations;

    public long PcpAllocTrylockFailures;

    /// <summary>Frees that found the pcp->lock taken and went to the buddy (free_one_page()).</summary>
    public long PcpFreeTrylockFailures;

    /// <summary>PCP refills (rmqueue_bulk() calls that were made).</summary>
    public long Refills;

    public long RefillPages;

    /// <summary>Pageblock design: refills each phase contributed to.</summary>
    public PerPhaseCounters RefillsByPhase;

    /// <summary>Pageblock design: pages each phase delivered.</summary>
    public PerPhaseCounters PagesByPhase;

    /// <summary>Pageblock design: frees this CPU routed to another CPU's PCP (locked or pushed).</summary>
    public long RemoteFrees;

    /// <summary>Pageblock design: routed frees that found the owner's lock taken and went to the buddy.</summary>
    public long RemoteFreeFallbacks;

    /// <summary>Pageblock design: routed frees that saw the owner change under them and routed again.</summary>
    public long RemoteFreeReroutes;

    /// <summary>free_unref_folios() calls (batched frees); their folios count in <see cref="Frees"/>.</summary>
    public long FreeBatches;

    /// <summary>
    /// pcp->lock acquisitions free_unref_folios() made for its runs: one per run of folios bound for the same PCP
    /// (one per owner group in the pageblock designs). The relocks of a chunked bulk free are in <see cref="FreeCommitRelocks"/>.
    /// </summary>
    public long FreeBatchPcpLocks;

    /// <summary>free_frozen_page_commit() took pcp->lock back between two chunks of its bulk free (6.19).</summary>
    public long FreeCommitRelocks;

    /// <summary>free_frozen_page_commit() could not take pcp->lock back and left the rest of its bulk free on the PCP.</summary>
    public long FreeCommitStops;

    /// <summary>free_pcppages_bulk() calls and the pages they freed to the zone.</summary>
    public long BulkFrees;

    public long BulkFreedPages;

    /// <summary>Pageblock design: PCP-level buddy merges.</summary>
    public long PcpMerges;

    /// <summary>Pages served, by the migratetype of the block they came from.</summary>
    public PerMigratetypeCounters SourcePages;

    /// <summary>Fast-path allocations served from a HIGHATOMIC block.</summary>
    public long HighatomicFastpathHits;

    /// <summary>Fast-path atomic requests served from another type while the reserve had a free chunk of the order.</summary>
    public long HighatomicMisses;

    public long HighatomicReserveEvents;

    public long HighatomicUnreserveEvents;

    public long DirectReclaims;

    /// <summary>vmstat pgalloc by the requested migratetype (gfp_migratetype()), in pages.</summary>
    public PerMigratetypeCounters PgallocByMigratetype;

    /// <summary>vmstat pgfree by the migratetype of the page's block when it is freed (as free_frozen_page() reads it), in pages.</summary>
    public PerMigratetypeCounters PgfreeByMigratetype;

    /// <summary>
    /// Movable allocations made while free CMA exceeded half of free pages (NR_FREE_CMA_PAGES &gt; NR_FREE_PAGES / 2,
    /// read racily before the allocation, as __rmqueue() reads them): the RFC review's CMA question.
    /// </summary>
    public long MovableAllocsCmaOverHalf;

    /// <summary>Of <see cref="MovableAllocsCmaOverHalf"/>, those served from a CMA pageblock.</summary>
    public long MovableAllocsCmaOverHalfFromCma;

    public long DrainAllPagesCalls;

    private CacheLinePad _after;
}
