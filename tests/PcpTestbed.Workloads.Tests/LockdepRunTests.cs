using PcpTestbed.Designs;
using PcpTestbed.Workloads.Faults;
using PcpTestbed.Workloads.Kinds;
using PcpTestbed.Workloads.Tests.Support;
using Xunit.Abstractions;

namespace PcpTestbed.Workloads.Tests;

/// <summary>
/// Lockdep on the CPU threads of a run (issue 14, items 1 and 4): the run's result carries the lock-order graph, a
/// correct design makes no report, and a guarded access without its lock is a violation of the run. Without lockdep
/// mode the CPUs run the bare execution and nothing is checked or reported.
/// </summary>
public class LockdepRunTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(Designs), MemberType = typeof(LockdepRunTests))]
    public void A_lockdep_run_of_a_correct_design_reports_nothing_and_records_pcp_lock_before_zone_lock(DesignKind design)
    {
        var run = Runs.Run(Runs.Options(design, WorkloadKind.Mixed, 4), output);
        var lockdep = run.Result.Lockdep;

        Runs.AssertClean(run);
        Assert.NotNull(lockdep);
        Assert.Equal(0, lockdep.Reports);
        Assert.Contains(lockdep.Order, e => e is { Outer: "pcp->lock", OuterSite: "rmqueue_pcplist", Inner: "zone->lock", InnerSite: "rmqueue_bulk" } && e.Count > 0);
        Assert.DoesNotContain(lockdep.Order, e => e.Outer == "zone->lock");
    }

    [Fact]
    public void A_drain_without_the_pcp_lock_is_a_lockdep_violation_of_the_run()
    {
        // One CPU draining its own PCP without the lock: nothing races, so only lockdep can see it.
        var options = Runs.Options(DesignKind.Mainline, WorkloadKind.Mixed, 1) with
        {
            Bugs = InjectedBug.DrainWithoutPcpLock,
            Faults = new FaultOptions { DrainStormPercent = 5 },
        };

        var r = Runs.Run(options, output).Result;

        Assert.NotNull(r.Lockdep);
        Assert.True(r.Lockdep.Reports > 0, "no lockdep report");
        Assert.True(r.InvariantViolations >= r.Lockdep.Reports, $"{r.InvariantViolations} violations for {r.Lockdep.Reports} lockdep reports");
        Assert.Equal("[lockdep] lockdep_assert_held(&pcp->lock) failed in FreePcppagesBulk: CPU 0 does not hold pcp->lock#0; nobody holds it", r.Violations[0]);
        Assert.Equal(0, r.PagesLost);
    }

    [Fact]
    public void Without_lockdep_mode_nothing_is_checked_or_reported()
    {
        var options = Runs.Options(DesignKind.Mainline, WorkloadKind.Mixed, 1) with
        {
            Bugs = InjectedBug.DrainWithoutPcpLock,
            Faults = new FaultOptions { DrainStormPercent = 5 },
            Lockdep = false,
        };

        var run = Runs.Run(options, output);

        Assert.Null(run.Result.Lockdep);
        Runs.AssertClean(run);
        Assert.True(run.Result.Allocator.DrainAllPagesCalls > 0, "no drain ran");
    }

    public static TheoryData<DesignKind> Designs() => new(Runs.AllDesigns);
}
