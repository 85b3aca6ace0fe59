using PcpTestbed.Designs;
using PcpTestbed.Workloads.Kinds;
using PcpTestbed.Workloads.Run;
using PcpTestbed.Workloads.Tests.Support;
using Xunit.Abstractions;

namespace PcpTestbed.Workloads.Tests;

/// <summary>
/// Issues 3 and 4: every design on 2 to 16 CPU threads (16 on a 2-core host time-slices, slowly), under the two
/// workloads whose frees cross CPUs: purge (purger CPUs free what the others allocated) and mixed (a share of
/// frees handed to a random other CPU, orders 0-3 and 9, every migratetype). Audited at quiescent points while
/// the CPUs run, when they stop, and after everything was given back: no page lost, none on two lists.
/// </summary>
public class DesignRunTests(ITestOutputHelper output)
{
    public static TheoryData<DesignKind, WorkloadKind, int> Matrix()
    {
        var data = new TheoryData<DesignKind, WorkloadKind, int>();
        foreach (var design in Runs.AllDesigns)
        {
            foreach (var workload in new[] { WorkloadKind.Purge, WorkloadKind.Mixed })
            {
                foreach (var cpus in new[] { 2, 4, 8, 16 })
                {
                    data.Add(design, workload, cpus);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public void A_run_with_cross_cpu_frees_loses_no_page_and_puts_none_on_two_lists(DesignKind design, WorkloadKind workload, int cpus)
    {
        var run = Runs.Run(Runs.Options(design, workload, cpus), output);
        var r = run.Result;

        Runs.AssertClean(run);
        Assert.True(r.Allocations > 0, "nothing was allocated");
        Assert.True(r.Frees > 0, "nothing was freed");
        Assert.True(r.Refill.Refills > 0, "no PCP refill");
        if (Designs.Designs.IsPageblock(design))
        {
            AssertRoutedAndRefilledByPhase(r);
        }
        else
        {
            AssertNeitherRoutedNorPhased(r);
        }
    }

    /// <summary>
    /// A fresh zone is whole free blocks: the first refills claim them (P1), so pages are owned, and a free by another
    /// CPU goes to the owner's PCP. The phases account for every page a refill brought.
    /// </summary>
    private static void AssertRoutedAndRefilledByPhase(RunResult r)
    {
        Assert.True(r.RemoteFrees > 0, "no free was routed to an owner's PCP");
        Assert.True(r.Refill.P1 > 0, "no refill claimed a whole pageblock");
        Assert.True(r.Refill.PagesP1 > 0, "phase 1 delivered no pages");
        Assert.Equal(r.Allocator.RefillPages, r.Refill.PagesP0 + r.Refill.PagesP1 + r.Refill.PagesP2 + r.Refill.PagesP3);
    }

    /// <summary>Mainline has no owners: nothing is routed, and rmqueue_bulk() refills are not phased.</summary>
    private static void AssertNeitherRoutedNorPhased(RunResult r)
    {
        Assert.Equal(0, r.RemoteFrees);
        Assert.Equal(0, r.RemoteFreeFallbacks);
        Assert.Equal(0, r.Refill.P0);
        Assert.Equal(0, r.Refill.P1);
        Assert.Equal(0, r.Refill.P2);
        Assert.Equal(0, r.Refill.P3);
    }
}
