using System.Diagnostics;
using System.Runtime.ExceptionServices;
using PcpTestbed.Designs;
using PcpTestbed.Model.Layout;
using PcpTestbed.Workloads.Kinds;
using PcpTestbed.Workloads.Run;
using Xunit.Abstractions;

namespace PcpTestbed.Workloads.Tests.Support;

/// <summary>
/// Short, seeded, audited runs through <see cref="Runner.Run"/> and the checks every clean run must pass. Every
/// run here parks its CPUs for a full audit every <see cref="AuditInterval"/>, audits again when the CPUs stop
/// and once more after everything was given back (the pages-lost census).
/// </summary>
public static class Runs
{
    /// <summary>A small zone (65,536 pages, 128 pageblocks): audits are quick, and 16 CPUs still get their share.</summary>
    public const string SmallZone = "256M";

    public const long Seed = 20260601;

    public static readonly TimeSpan AuditInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Long enough for three or four audits at quiescent points while the CPUs run; a run here does not end before one
    /// (<see cref="AuditedWhileRunning"/>), so with the end and after-release audits there are at least
    /// <see cref="MinAudits"/> however late a loaded host wakes the coordinator.
    /// </summary>
    public static readonly TimeSpan ShortRun = TimeSpan.FromMilliseconds(450);

    /// <summary>At least one audit while the CPUs ran, one when they stopped, one after everything was released.</summary>
    public const int MinAudits = 3;

    /// <summary>A run's end condition: at least one audit while the CPUs ran.</summary>
    public static bool AuditedWhileRunning(RunProgress p) => p.Audits >= 1;

    public static readonly IReadOnlyList<DesignKind> AllDesigns = [.. Designs.Designs.All];

    public static RunOptions Options(DesignKind design, WorkloadKind workload, int cpus, string zone = SmallZone, TimeSpan? duration = null)
    {
        var spec = ZoneSpec.Parse(zone);
        return new RunOptions
        {
            Design = design,
            Workload = workload,
            Cpus = cpus,
            ZoneFactory = () => ZoneBuilder.Build(spec),
            ZoneDescription = zone,
            Duration = duration ?? ShortRun,
            Seed = Seed,
            AuditInterval = AuditInterval,
            EndWhen = AuditedWhileRunning,
        };
    }

    /// <summary>
    /// A bound on one run's wall time, so a run that hangs fails its test instead of the whole test run. Runs here
    /// take a few seconds at most; the CPU machine's own waits give up after 30 s.
    /// </summary>
    public static readonly TimeSpan RunBound = TimeSpan.FromSeconds(90);

    /// <summary>
    /// Runs on a coordinator thread of its own, within <see cref="RunBound"/>, keeps every audit record, and prints a
    /// one-line summary (and the violations, if any). What the run throws is rethrown here.
    /// </summary>
    public static Audited Run(RunOptions options, ITestOutputHelper output)
    {
        var audits = new List<AuditRecord>();
        var chained = options.OnAudit;
        var audited = options with
        {
            OnAudit = a =>
            {
                audits.Add(a);
                chained?.Invoke(a);
            },
        };
        RunResult? result = null;
        ExceptionDispatchInfo? error = null;
        var wall = Stopwatch.StartNew();
        var coordinator = new Thread(() =>
        {
            try
            {
                result = Runner.Run(audited);
            }
            catch (Exception e)
            {
                error = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = "run coordinator",
        };
        coordinator.Start();
        if (!coordinator.Join(RunBound))
        {
            Assert.Fail($"{options.Design} {options.Workload} on {options.Cpus} CPUs did not end within {RunBound} " +
                        $"({audits.Count} audits so far): the run hangs");
        }

        error?.Throw();
        output.WriteLine(Summary(result!, wall.Elapsed));
        foreach (var v in result!.Violations)
        {
            output.WriteLine("  " + v);
        }

        // The audit records were written by the coordinator thread, which has ended: Join ordered its writes.
        return new Audited(result, audits);
    }

    /// <summary>
    /// The rules of a clean run: no audit found a violation, no page was lost, the CPUs were audited while they
    /// ran, and the allocator's own count of pages handed out and given back agrees with what the workload held.
    /// </summary>
    public static void AssertClean(Audited run, int minAudits = MinAudits)
    {
        var r = run.Result;
        Assert.True(r.InvariantViolations == 0, $"{r.InvariantViolations} violations: {string.Join(" | ", r.Violations)}");
        Assert.Equal(0, r.PagesLost);
        Assert.All(run.Audits, a => Assert.True(a.IsClean, $"audit {a.Index} at {a.At}: {string.Join(" | ", a.Violations)}"));
        Assert.True(r.Audits >= minAudits, $"only {r.Audits} audits");
        Assert.Equal(r.Audits, run.Audits.Count);

        // The allocator's count of pages handed out and given back agrees with what the workload (and the page cache,
        // and a memory hog) held at the end; a pressure run's page cache was filled before the counting began.
        Assert.Equal(r.AllocatedPages - r.FreedPages + r.PrefilledPages, r.HeldPages);
    }

    public static string Summary(RunResult r, TimeSpan wall) =>
        $"{r.Design} {r.Workload} cpus={r.Cpus}{(r.KswapdCpu is { } k ? $"+kswapd@{k}" : "")} zone={r.Zone} ha={r.HighatomicVariant}" +
        $"{(r.Faults.Count > 0 ? $" faults=[{string.Join(",", r.Faults)}]" : "")}: {r.Seconds:F2}s (wall {wall.TotalSeconds:F2}s), " +
        $"{r.OpsPerSecond:N0} ops/s, allocs {r.Allocations}, frees {r.Frees}, failures {r.Failures}, held {r.HeldPages}, " +
        $"zone->lock contentions {ZoneLockContentions(r)}, remote frees {r.RemoteFrees}, " +
        $"refills {r.Refill.Refills} (P0 {r.Refill.P0}, P1 {r.Refill.P1}, P2 {r.Refill.P2}, P3 {r.Refill.P3}), " +
        $"audits {r.Audits}, violations {r.InvariantViolations}, lost {r.PagesLost}";

    public static long ZoneLockContentions(RunResult r) => r.Locks.FirstOrDefault(l => l.Name == "zone->lock")?.Contentions ?? 0;
}

/// <summary>A run's result with every audit record it produced.</summary>
public sealed record Audited(RunResult Result, IReadOnlyList<AuditRecord> Audits)
{
    /// <summary>Audits taken while the CPUs ran (the last two are the end-of-run and after-release audits).</summary>
    public int AuditsWhileRunning => Audits.Count - 2;
}
