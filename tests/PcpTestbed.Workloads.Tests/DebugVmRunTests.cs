using PcpTestbed.Designs;
using PcpTestbed.Model;
using PcpTestbed.Workloads.Faults;
using PcpTestbed.Workloads.Kinds;
using PcpTestbed.Workloads.Run;
using PcpTestbed.Workloads.Tests.Support;
using Xunit.Abstractions;

namespace PcpTestbed.Workloads.Tests;

/// <summary>
/// CONFIG_DEBUG_VM's CMA-first check on the CPU threads of a run (issue 15): checked under zone->lock, it holds for every
/// correct design whatever the interleaving, and cma-phases-as-posted on pageblock-cmafix is a violation of the run with the
/// class the catalogue's scenario reports. Drain storms put owned blocks' fragments back in the zone buddy, so refill phase 0
/// runs often on the pageblock designs.
/// </summary>
public class DebugVmRunTests(ITestOutputHelper output)
{
    private const string CmaZone = "64M,cma=50%@end";

    [Theory]
    [MemberData(nameof(Designs), MemberType = typeof(DebugVmRunTests))]
    public void A_cma_run_of_a_correct_design_under_debug_vm_reports_nothing(DesignKind design)
    {
        var run = Runs.Run(Options(design, InjectedBug.None), output);

        Runs.AssertClean(run);
        Assert.True(run.Result.Cma!.MovableAllocationsWhileCmaOverHalf > 0, "free CMA never exceeded half of the free pages: the rule never applied");
        Assert.True(run.Result.DebugVmChecks > 0, "the CMA-first rule applied but DEBUG_VM checked no take: the check did not run");
    }

    [Fact]
    public void Cma_phases_as_posted_on_the_cmafix_design_is_a_cma_first_violation_of_the_run()
    {
        var r = Runs.Run(Options(DesignKind.PageblockCmaFix, InjectedBug.CmaPhasesIgnoreRmqueueDecision) with
        {
            Duration = TimeSpan.FromSeconds(20),
            StopAtFirstViolation = true,
        }, output).Result;

        Assert.True(r.InvariantViolations > 0, "no violation in 20 s");
        Assert.StartsWith($"[{Zone.CmaFirstInvariant}] refill phase ", r.Violations[0]);
        Assert.Equal(0, r.PagesLost);
    }

    public static TheoryData<DesignKind> Designs() => new(Runs.AllDesigns);

    private static RunOptions Options(DesignKind design, InjectedBug bugs) => Runs.Options(design, WorkloadKind.Cma, 2, CmaZone) with
    {
        Bugs = bugs,
        DebugVm = true,
        Faults = new FaultOptions { DrainStormPercent = 1 },
    };
}
