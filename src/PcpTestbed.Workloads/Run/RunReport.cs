using PcpTestbed.Designs;
using PcpTestbed.Execution.Lockdep;
using PcpTestbed.Execution.LockStat;
using PcpTestbed.Model;
using PcpTestbed.Model.Sync;
using PcpTestbed.Workloads.Kinds;
using PcpTestbed.Workloads.Observe;
using PcpTestbed.Workloads.Work;

namespace PcpTestbed.Workloads.Run;

/// <summary>
/// The end of a run and its report, the same for both engines: the last free-page sample and audit, the statistics,
/// then everything the workload, the page cache and the memory hog hold is given back and audited again (every page
/// must come home).
/// </summary>
internal static class RunReport
{
    /// <summary>Ends the run (its CPUs stopped) and builds its report.</summary>
    /// <param name="runTime">The run's time, the denominator of its rates: wall time on OS threads, virtual time on the virtual engine.</param>
    /// <param name="now">The run's clock now, for the last free-page sample and the audits (on OS threads it started before the CPUs did).</param>
    /// <param name="host">The host the threads ran on; null for a virtual run, whose report depends on no host.</param>
    /// <param name="engine">The engine and, for the virtual one, its cost model and approximation counters.</param>
    public static RunResult Finish(RunParts p, TimeSpan runTime, TimeSpan now, HostReport? host, EngineReport engine)
    {
        var o = p.Options;
        var allocator = p.Allocator;
        p.FreePages.Take(now);
        p.Auditor.Audit();
        var stats = allocator.Stats();
        var locks = p.Recorder?.Snapshot(runTime);
        var histograms = p.Recorder == null ? [] : Enumerable.Range(0, LockClasses.Count).Select(c => p.Recorder.Histograms((LockClass)c)).ToArray();
        var heldAtEnd = p.Held();
        var cachedAtEnd = p.Reclaim?.CachedPages ?? 0;

        // Give everything back: every page must come home.
        var releaser = Enumerable.Range(0, o.Cpus).First(allocator.IsOnline);
        p.Workload.ReleaseAll(releaser);
        p.Reclaim?.ReleaseAll(releaser);
        p.Faults?.ReleaseAllStopped(releaser);
        allocator.DrainAllPages(releaser);
        var final = p.Auditor.Audit();
        var lostAfterRelease = p.Zone.PresentPages - p.Zone.ReservedPages - p.Background - final.Census.FreePages;

        var result = Report(p, stats, locks, runTime.TotalSeconds, host, heldAtEnd, Math.Max(final.PagesLost, lostAfterRelease), cachedAtEnd) with
        {
            Engine = engine,
            Work = KernelWorkReport.From(p.Work),
            Sizes = WorkloadSizesReport.From(p.Sizes),
            LockHistograms = histograms,
            Vmstat = VmstatReport.From(stats, p.FreePages),
            FreePages = p.FreePages.Report(),
            Cma = CmaReport.From(p.FreePages.Samples, stats),
        };
        result = allocator.Config.DebugVm is { } debugVm ? WithReports(result, debugVm.Reports, debugVm.Messages) with { DebugVmChecks = debugVm.Checks } : result;
        if (p.Lockdep == null)
        {
            return result;
        }

        var lockdep = p.Lockdep.Snapshot();
        return WithReports(result, lockdep.Reports, lockdep.Messages) with { Lockdep = lockdep };
    }

    /// <summary>Reports made at the access (lockdep's, CONFIG_DEBUG_VM's) are violations of the run, listed before the audits'; lockdep's first.</summary>
    private static RunResult WithReports(RunResult r, long reports, IEnumerable<string> messages) => r with
    {
        InvariantViolations = r.InvariantViolations + reports,
        Violations = messages.Concat(r.Violations).Take(RunAuditor.KeptViolations).ToList(),
    };

    private static RunResult Report(RunParts p, AllocatorStats s, LockStatReport? locks, double seconds, HostReport? host, long held, long pagesLost,
        long cachedAtEnd)
    {
        var o = p.Options;
        var counters = SumCounters(p.Workload);
        var audits = p.Auditor.Records;
        var recorder = p.Recorder;
        var reclaim = p.Reclaim;
        var faults = p.Faults;
        return new RunResult
        {
            Design = Designs.Designs.Name(o.Design),
            Workload = WorkloadKinds.Name(o.Workload),
            Cpus = o.Cpus,
            KswapdCpu = p.KswapdCpu >= 0 ? p.KswapdCpu : null,
            Seconds = seconds,
            Seed = o.Seed,
            Zone = o.ZoneDescription,
            HighatomicVariant = HighatomicVariants.Name(o.Highatomic),
            Pressure = o.Pressure,
            RefillWithinHigh = o.RefillWithinHigh,
            UnchunkedPcpFree = o.UnchunkedPcpFree,
            WorkScale = o.WorkScale,
            FreeBatch = o.FreeBatch,
            Faults = o.Faults.Names(),
            Host = host,
            Allocations = s.Allocations,
            Frees = s.Frees,
            Failures = s.Failures,
            AllocatedPages = s.AllocatedPages,
            FreedPages = s.FreedPages,
            HeldPages = held,
            PrefilledPages = p.Prefilled,
            OpsPerSecond = seconds > 0 ? (s.Allocations + s.Frees) / seconds : 0,
            Locks = locks?.Classes ?? [],
            LockStat = new LockStatInfo(recorder != null, recorder?.HoldSampleInterval ?? 0, recorder?.ClockReadNs ?? 0),
            Refill = new RefillReport(s.Refills, s.RefillsByPhase[0], s.RefillsByPhase[1], s.RefillsByPhase[2], s.RefillsByPhase[3],
                s.PagesByPhase[0], s.PagesByPhase[1], s.PagesByPhase[2], s.PagesByPhase[3]),
            RemoteFrees = s.RemoteFrees,
            RemoteFreeFallbacks = s.RemoteFreeFallbacks,
            Sources = MigrateTypes.All().ToDictionary(mt => MigrateTypes.KernelName(mt).ToLowerInvariant(), mt => s.SourcePages[(int)mt]),
            Highatomic = new HighatomicReport(s.HighatomicReservedEnd, s.HighatomicReservedStart, s.HighatomicReservedMax,
                s.HighatomicReserveEvents, s.HighatomicUnreserveEvents, s.HighatomicFastpathHits, s.HighatomicMisses,
                counters.OrderZeroFallbacks, p.Zone.HighatomicMaxPages),
            Audits = audits.Count,
            InvariantViolations = audits.Sum(a => a.ViolationCount + (a.PagesLost != 0 ? 1 : 0)),
            Violations = audits.SelectMany(a => a.Violations).Take(RunAuditor.KeptViolations).ToList(),
            PagesLost = pagesLost,
            WorkloadCounters = counters,
            Reclaim = reclaim == null ? null
                : new ReclaimReport(reclaim.KswapdWakeups, reclaim.KswapdReclaimedPages, reclaim.DirectReclaimedPages, cachedAtEnd),
            FaultEvents = o.Faults.Any
                ? new FaultReport(faults?.Offlines ?? 0, faults?.Onlines ?? 0, faults?.Exhaustions ?? 0, faults?.HogPages ?? 0, o.Faults.DrainStormPercent)
                : null,
            Allocator = s,
        };
    }

    private static WorkloadReport SumCounters(Workload workload)
    {
        var c = workload.Counters;
        long idle = 0, cycles = 0, handed = 0, fallbacks = 0;
        for (var i = 0; i < c.Length; i++)
        {
            idle += c[i].IdleSteps;
            cycles += c[i].Cycles;
            handed += c[i].HandedOffPages;
            fallbacks += c[i].OrderZeroFallbacks;
        }

        return new WorkloadReport(idle, cycles, handed, fallbacks);
    }
}
