namespace PcpTestbed.Designs;

// Summing the per-CPU counters.
public abstract partial class PageAllocator<TExec>
{
    public void ResetStats()
    {
        Array.Clear(_stats);
        _highatomicReservedStart = _zone.NrReservedHighatomic;
        _highatomicReservedMax = _highatomicReservedStart;
    }

    /// <summary>The statistics summed over CPUs. Exact at quiescent points, approximate while CPUs run.</summary>
    public AllocatorStats Stats()
    {
        var refillsByPhase = new long[4];
        var pagesByPhase = new long[4];
        var sources = new long[Model.MigrateTypes.Count];
        var pgalloc = new long[Model.MigrateTypes.Count];
        var pgfree = new long[Model.MigrateTypes.Count];
        long allocations = 0, allocatedPages = 0, failures = 0, frees = 0, freedPages = 0, pcpAllocations = 0, buddyAllocations = 0;
        long slowpath = 0, pcpAllocTrylock = 0, pcpFreeTrylock = 0, refills = 0, refillPages = 0, remoteFrees = 0, remoteFallbacks = 0;
        long reroutes = 0, bulkFrees = 0, bulkFreedPages = 0, merges = 0, hits = 0, misses = 0, reserves = 0, unreserves = 0;
        long directReclaims = 0, drainAll = 0, freeBatches = 0, freeBatchLocks = 0, relocks = 0, stops = 0, cmaOverHalf = 0, cmaOverHalfFromCma = 0;
        for (var cpu = 0; cpu < Cpus; cpu++)
        {
            ref var c = ref _stats[cpu];
            allocations += c.Allocations;
            allocatedPages += c.AllocatedPages;
            failures += c.Failures;
            frees += c.Frees;
            freedPages += c.FreedPages;
            pcpAllocations += c.PcpAllocations;
            buddyAllocations += c.BuddyAllocations;
            slowpath += c.SlowpathAllocations;
            pcpAllocTrylock += c.PcpAllocTrylockFailures;
            pcpFreeTrylock += c.PcpFreeTrylockFailures;
            refills += c.Refills;
            refillPages += c.RefillPages;
            remoteFrees += c.RemoteFrees;
            remoteFallbacks += c.RemoteFreeFallbacks;
            reroutes += c.RemoteFreeReroutes;
            freeBatches += c.FreeBatches;
            freeBatchLocks += c.FreeBatchPcpLocks;
            relocks += c.FreeCommitRelocks;
            stops += c.FreeCommitStops;
            bulkFrees += c.BulkFrees;
            bulkFreedPages += c.BulkFreedPages;
            merges += c.PcpMerges;
            hits += c.HighatomicFastpathHits;
            misses += c.HighatomicMisses;
            reserves += c.HighatomicReserveEvents;
            unreserves += c.HighatomicUnreserveEvents;
            directReclaims += c.DirectReclaims;
            drainAll += c.DrainAllPagesCalls;
            cmaOverHalf += c.MovableAllocsCmaOverHalf;
            cmaOverHalfFromCma += c.MovableAllocsCmaOverHalfFromCma;
            for (var p = 0; p < 4; p++)
            {
                refillsByPhase[p] += c.RefillsByPhase[p];
                pagesByPhase[p] += c.PagesByPhase[p];
            }

            for (var mt = 0; mt < sources.Length; mt++)
            {
                sources[mt] += c.SourcePages[mt];
                pgalloc[mt] += c.PgallocByMigratetype[mt];
                pgfree[mt] += c.PgfreeByMigratetype[mt];
            }
        }

        return new AllocatorStats
        {
            Allocations = allocations,
            AllocatedPages = allocatedPages,
            Failures = failures,
            Frees = frees,
            FreedPages = freedPages,
            PcpAllocations = pcpAllocations,
            BuddyAllocations = buddyAllocations,
            SlowpathAllocations = slowpath,
            PcpAllocTrylockFailures = pcpAllocTrylock,
            PcpFreeTrylockFailures = pcpFreeTrylock,
            Refills = refills,
            RefillPages = refillPages,
            RefillsByPhase = refillsByPhase,
            PagesByPhase = pagesByPhase,
            RemoteFrees = remoteFrees,
            RemoteFreeFallbacks = remoteFallbacks,
            RemoteFreeReroutes = reroutes,
            FreeBatches = freeBatches,
            FreeBatchPcpLocks = freeBatchLocks,
            FreeCommitRelocks = relocks,
            FreeCommitStops = stops,
            BulkFrees = bulkFrees,
            BulkFreedPages = bulkFreedPages,
            PcpMerges = merges,
            SourcePages = sources,
            HighatomicFastpathHits = hits,
            HighatomicMisses = misses,
            HighatomicReserveEvents = reserves,
            HighatomicUnreserveEvents = unreserves,
            HighatomicReservedStart = _highatomicReservedStart,
            HighatomicReservedMax = Math.Max(_highatomicReservedMax, _zone.NrReservedHighatomic),
            HighatomicReservedEnd = _zone.NrReservedHighatomic,
            DirectReclaims = directReclaims,
            DrainAllPagesCalls = drainAll,
            PgallocByMigratetype = pgalloc,
            PgfreeByMigratetype = pgfree,
            MovableAllocsCmaOverHalf = cmaOverHalf,
            MovableAllocsCmaOverHalfFromCma = cmaOverHalfFromCma,
            Claims = _zone.Events.Claims,
            Steals = _zone.Events.Steals,
            WatermarkBoosts = _zone.Events.WatermarkBoosts,
            OwnershipReleases = _zone.OwnershipReleases,
        };
    }
}
