using PcpTestbed.Execution.LockStat;
using PcpTestbed.Workloads.Run;

namespace PcpTestbed.Stress.Reports;

/// <summary>The metrics compare puts side by side, and how a ratio is taken.</summary>
public static class Metrics
{
    public const string ZoneLock = "zone->lock";
    public const string PcpLock = "pcp->lock";

    public static readonly Metric OpsPerSecond = new("opsPerSecond", "ops/s", r => r.OpsPerSecond);

    public static readonly Metric ZoneContentions = new("zoneLockContentions", "zone->lock contentions", r => Lock(r, ZoneLock)?.Contentions);

    public static readonly Metric ZoneHoldP99 = new("zoneLockHoldP99", "zone->lock hold p99 (ns)", r => Time(Lock(r, ZoneLock)?.HoldNs)?.P99);

    public static readonly IReadOnlyList<Metric> All =
    [
        OpsPerSecond,
        new("failures", "failures", r => r.Failures),
        new("zoneLockAcquisitions", "zone->lock acquisitions", r => Lock(r, ZoneLock)?.Acquisitions),
        ZoneContentions,
        new("zoneLockContentionsPerMillionOps", "zone->lock contentions per 1M ops", r => PerMillionOps(r, Lock(r, ZoneLock)?.Contentions)),
        new("zoneLockWaitP99", "zone->lock wait p99 (ns)", r => Time(Lock(r, ZoneLock)?.WaitNs)?.P99),
        new("zoneLockWaitTotal", "zone->lock wait total (ns)", r => Time(Lock(r, ZoneLock)?.WaitNs)?.Total),
        new("zoneLockHoldMean", "zone->lock hold mean (ns)", r => Time(Lock(r, ZoneLock)?.HoldNs)?.Mean),
        ZoneHoldP99,
        new("zoneLockBounces", "zone->lock bounces", r => Lock(r, ZoneLock)?.Bounces),
        new("pcpLockContentions", "pcp->lock contentions", r => Lock(r, PcpLock)?.Contentions),
        new("pcpLockTrylockFailures", "pcp->lock trylock failures", r => Lock(r, PcpLock)?.TrylockFailures),
        new("pcpLockWaitP99", "pcp->lock wait p99 (ns)", r => Time(Lock(r, PcpLock)?.WaitNs)?.P99),
        new("pcpLockHoldP99", "pcp->lock hold p99 (ns)", r => Time(Lock(r, PcpLock)?.HoldNs)?.P99),
        new("pcpLockBounces", "pcp->lock bounces", r => Lock(r, PcpLock)?.Bounces),
        new("zoneLockUtilisation", "zone->lock utilisation (% of the run held)", r => Percent(Lock(r, ZoneLock)?.Duty?.Utilisation)),
        new("zoneLockDutyMax", "zone->lock duty, busiest CPU (%)", r => Percent(Lock(r, ZoneLock)?.Duty?.Max)),
        new("pcpLockDutyMean", "pcp->lock duty, mean over CPUs (%)", r => Percent(Lock(r, PcpLock)?.Duty?.Mean)),
        new("pcpLockDutyMax", "pcp->lock duty, busiest CPU (%)", r => Percent(Lock(r, PcpLock)?.Duty?.Max)),
        new("pcpLockTrylockFailuresPerThousandOps", "pcp->lock trylock failures per 1k ops", r => PerThousandOps(r, Lock(r, PcpLock)?.TrylockFailures)),
        new("cmaFreeShareMean", "free CMA / free pages, mean (%)", r => HasCma(r) ? Percent(r.Cma?.FreeShareMean) : null, Optional: true, Descriptive: true),
        new("cmaFromCmaShareWhileOverHalf", "movable allocs from CMA while free CMA > half (%)", r => HasCma(r) ? Percent(r.Cma?.FromCmaShare) : null, Optional: true, Descriptive: true),
    ];

    /// <summary>The zone had free CMA pages at some sample of the run, or served pages from CMA blocks.</summary>
    public static bool HasCma(RunResult r) =>
        r.Vmstat is { NrFreeCma.Max: > 0 } || r.Sources.GetValueOrDefault(Workloads.Observe.MigratetypeKeys.Of(Model.MigrateType.Cma)) > 0;

    /// <summary>value / baseline; null when either is missing or the baseline is 0 (no ratio exists).</summary>
    public static double? Ratio(double? value, double? baseline) =>
        value is { } v && baseline is { } b && b != 0 ? v / b : null;

    public static LockClassStats? Lock(RunResult r, string name) => r.Locks.FirstOrDefault(l => l.Name == name);

    /// <summary>A time statistic only when something was measured: a percentile of nothing is not 0 ns.</summary>
    private static LockTimeStats? Time(LockTimeStats? s) => s is { Count: > 0 } ? s : null;

    private static double? PerMillionOps(RunResult r, long? count)
    {
        var ops = r.Allocations + r.Frees;
        return count is { } c && ops > 0 ? c * 1e6 / ops : null;
    }

    /// <summary>A count per thousand allocator calls (allocations + frees); null without calls.</summary>
    public static double? PerThousandOps(RunResult r, long? count)
    {
        var ops = r.Allocations + r.Frees;
        return count is { } c && ops > 0 ? c * 1e3 / ops : null;
    }

    private static double? Percent(double? fraction) => fraction * 100;
}
