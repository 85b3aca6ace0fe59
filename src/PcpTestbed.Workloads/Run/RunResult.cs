using System.Text.Json.Serialization;
using PcpTestbed.Designs;
using PcpTestbed.Execution.Lockdep;
using PcpTestbed.Execution.LockStat;
using PcpTestbed.Workloads.Kinds;
using PcpTestbed.Workloads.Observe;
using PcpTestbed.Workloads.Work;

namespace PcpTestbed.Workloads.Run;

/// <summary>Everything a run measured, in the shape its JSON takes (the README documents the schema).</summary>
public sealed record RunResult
{
    public required string Design { get; init; }
    public required string Workload { get; init; }
    public required int Cpus { get; init; }

    /// <summary>The extra CPU kswapd ran on in a pressure run, else null.</summary>
    public int? KswapdCpu { get; init; }

    public required double Seconds { get; init; }
    public required long Seed { get; init; }
    public required string Zone { get; init; }
    public required string HighatomicVariant { get; init; }
    public required bool Pressure { get; init; }

    /// <summary>Pageblock refill phases 0 and 1 were bounded by the PCP's room (an experiment switch).</summary>
    public bool RefillWithinHigh { get; init; }

    /// <summary>The free path ran as before 6.19: bulk frees and decay unchunked (an experiment switch).</summary>
    public bool UnchunkedPcpFree { get; init; }

    /// <summary>The multiplier of the published kernel-work costs (--work-scale); 0 charged nothing.</summary>
    public double WorkScale { get; init; }

    /// <summary>Folios per free_unref_folios() where the kernel batches (--free-batch); 1 freed one chunk per call.</summary>
    public int FreeBatch { get; init; }

    public required IReadOnlyList<string> Faults { get; init; }

    /// <summary>The host the CPU threads ran on; null for a virtual run, whose report depends on no host.</summary>
    public HostReport? Host { get; init; }

    /// <summary>What ran the CPUs: threads, or the virtual engine with its cost model and approximation counters (then every time is virtual).</summary>
    public EngineReport Engine { get; init; } = EngineReport.Threads;

    public required long Allocations { get; init; }
    public required long Frees { get; init; }
    public required long Failures { get; init; }
    public required long AllocatedPages { get; init; }
    public required long FreedPages { get; init; }

    /// <summary>
    /// Pages the workload (and page cache, and memory hog) held when the run ended: allocatedPages - freedPages +
    /// prefilledPages.
    /// </summary>
    public required long HeldPages { get; init; }

    /// <summary>
    /// Pages a pressure run's page cache took before the measured run (not in allocations or allocatedPages);
    /// 0 without pressure.
    /// </summary>
    public long PrefilledPages { get; init; }

    /// <summary>Allocator calls (allocations + frees) per second of the run.</summary>
    public required double OpsPerSecond { get; init; }

    /// <summary>Per lock class: lock_stat's numbers with percentiles, and per call site. Empty when recording was off.</summary>
    public required IReadOnlyList<LockClassStats> Locks { get; init; }

    public required LockStatInfo LockStat { get; init; }
    public required RefillReport Refill { get; init; }
    public required long RemoteFrees { get; init; }
    public required long RemoteFreeFallbacks { get; init; }

    /// <summary>Pages served, by the migratetype of the pageblock they came from.</summary>
    public required IReadOnlyDictionary<string, long> Sources { get; init; }

    public required HighatomicReport Highatomic { get; init; }

    /// <summary>Audits run (at quiescent points during the run, the end, and after releasing everything).</summary>
    public required int Audits { get; init; }

    public required long InvariantViolations { get; init; }

    /// <summary>The first violations found, as the auditor words them.</summary>
    public required IReadOnlyList<string> Violations { get; init; }

    /// <summary>Pages neither free, on a PCP, nor held by anyone after everything was released: must be 0.</summary>
    public required long PagesLost { get; init; }

    public required WorkloadReport WorkloadCounters { get; init; }

    /// <summary>The kernel work charged around allocator calls: costs, charges per item, what was charged, the calibration.</summary>
    public KernelWorkReport? Work { get; init; }

    /// <summary>The sizes the workload used, and what was capped to fit the zone.</summary>
    public WorkloadSizesReport? Sizes { get; init; }
    public ReclaimReport? Reclaim { get; init; }
    public FaultReport? FaultEvents { get; init; }

    /// <summary>vmstat-style counters: pgalloc and pgfree (by migratetype too), and the zone's free counters over the run.</summary>
    public VmstatReport? Vmstat { get; init; }

    /// <summary>Free pages by migratetype and order (pagetypeinfo) sampled over the run, with a summary per migratetype.</summary>
    public FreePagesReport? FreePages { get; init; }

    /// <summary>The CMA percentages the RFC's review asked for.</summary>
    public CmaReport? Cma { get; init; }

    /// <summary>Every allocator counter, for diffing runs.</summary>
    public required AllocatorStats Allocator { get; init; }

    /// <summary>Lockdep mode only: its reports (counted in <see cref="InvariantViolations"/>) and the lock-order graph; else null.</summary>
    public LockdepReport? Lockdep { get; init; }

    /// <summary>CONFIG_DEBUG_VM mode only: the checks its rules made (<see cref="Model.Audit.VmWarnings.Checks"/>; its reports are counted in <see cref="InvariantViolations"/>); else null.</summary>
    public long? DebugVmChecks { get; init; }

    /// <summary>The reproduction file written from the flight recorder when the run broke (by the command line), or null.</summary>
    public string? ReproFile { get; init; }

    /// <summary>Per lock class, the wait and hold histograms behind the percentiles (for plots; not in the JSON).</summary>
    [JsonIgnore]
    public IReadOnlyList<LockClassHistograms> LockHistograms { get; init; } = [];
}

public sealed record HostReport(int Cores, bool Pinned, bool Oversubscribed);

public sealed record LockStatInfo(bool Recorded, int HoldSampleInterval, double ClockReadNs);

/// <summary>PCP refills, and for the pageblock designs how many each phase P0..P3 served and the pages it delivered.</summary>
public sealed record RefillReport(long Refills, long P0, long P1, long P2, long P3, long PagesP0, long PagesP1, long PagesP2, long PagesP3);

public sealed record HighatomicReport(
    long ReservedPages,
    long ReservedStart,
    long ReservedMax,
    long ReserveEvents,
    long UnreserveEvents,
    long FastpathHits,
    long Misses,
    long OrderZeroFallbacks,
    long CapPages);

public sealed record WorkloadReport(long IdleSteps, long Cycles, long HandedOffPages, long OrderZeroFallbacks);

public sealed record ReclaimReport(long KswapdWakeups, long KswapdReclaimedPages, long DirectReclaimedPages, long CachedPagesAtEnd);

public sealed record FaultReport(long Offlines, long Onlines, long Exhaustions, long HogPages, int DrainStormPercent);
