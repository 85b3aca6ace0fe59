using PcpTestbed.Designs;
using PcpTestbed.Workloads.Kinds;
using PcpTestbed.Workloads.Tests.Support;
using Xunit.Abstractions;

namespace PcpTestbed.Workloads.Tests;

/// <summary>
/// Issue 6's test list at the Runner's level (the CLI tests drive the same runs through the command line): each
/// workload on each design, short and seeded, audited, and its counters consistent. Each workload also shows the
/// behaviour that makes it that workload.
/// </summary>
public class WorkloadRunTests(ITestOutputHelper output)
{
    private const int Cpus = 4;

    public static TheoryData<WorkloadKind, DesignKind> Matrix()
    {
        var data = new TheoryData<WorkloadKind, DesignKind>();
        foreach (var workload in WorkloadKinds.All)
        {
            foreach (var design in Runs.AllDesigns)
            {
                data.Add(workload, design);
            }
        }

        return data;
    }

    /// <summary>The zone each workload is meant for: udp with highatomic reserves present, cma with half its blocks CMA.</summary>
    private static string ZoneFor(WorkloadKind workload) => workload switch
    {
        WorkloadKind.Udp => "256M,highatomic=2",
        WorkloadKind.Cma => "256M,cma=50%",
        _ => Runs.SmallZone,
    };

    [Theory]
    [MemberData(nameof(Matrix))]
    public void Each_workload_runs_clean_and_consistent_on_each_design(WorkloadKind workload, DesignKind design)
    {
        // page-fault, cma and exit are checked for a completed cycle: the run waits for one (a loaded host may be slow).
        var options = Runs.Options(design, workload, Cpus, ZoneFor(workload));
        if (workload is WorkloadKind.PageFault or WorkloadKind.Exit)
        {
            options = options with { EndWhen = p => Runs.AuditedWhileRunning(p) && p.Cycles > 0 };
        }

        var run = Runs.Run(options, output);
        var r = run.Result;

        Runs.AssertClean(run);
        Assert.Equal(WorkloadKinds.Name(workload), r.Workload);
        Assert.Equal(Designs.Designs.Name(design), r.Design);
        Assert.True(r.Allocations > 0, "nothing was allocated");
        Assert.True(r.Frees > 0, "nothing was freed");
        Assert.Equal(r.Allocations, r.Allocator.Allocations);
        Assert.Equal(r.Sources.Values.Sum(), r.AllocatedPages);

        switch (workload)
        {
            case WorkloadKind.PageFault:
                // Each CPU frees what it faulted in: no free crosses CPUs, so none is routed.
                Assert.True(r.WorkloadCounters.Cycles > 0, "no fault-in/unmap cycle completed");
                Assert.Equal(0, r.WorkloadCounters.HandedOffPages);
                Assert.Equal(0, r.RemoteFrees);
                break;
            case WorkloadKind.Exit:
                Assert.True(r.WorkloadCounters.Cycles > 0, "no CPU filled up and exited");
                Assert.Equal(0, r.WorkloadCounters.HandedOffPages);
                Assert.Equal(0, r.RemoteFrees);
                break;
            case WorkloadKind.Cma:
                // Movable allocations meet __rmqueue()'s CMA balancing once CMA holds over half the free pages.
                Assert.True(r.Sources["cma"] > 0, "no page was served from a CMA block");
                Assert.Equal(0, r.RemoteFrees);
                break;
            case WorkloadKind.Purge:
            case WorkloadKind.Udp:
            case WorkloadKind.Mixed:
                Assert.True(r.WorkloadCounters.HandedOffPages > 0, "no page was handed to another CPU to free");
                break;
        }
    }

    /// <summary>
    /// udp receives into chunks of its receive order: order 1 (a page_frag) by default, order 4 with
    /// <see cref="WorkloadParameters.UdpRxOrder"/> (cxgb4's 64 KiB free-list pages). Without memory pressure the zone
    /// has room for every receive at that order, so none falls back to order 0 and the receivers, the only CPUs that
    /// allocate, take exactly 2^order pages an allocation.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void A_udp_run_receives_into_chunks_of_its_receive_order(int rxOrder)
    {
        var options = Runs.Options(DesignKind.Mainline, WorkloadKind.Udp, Cpus, ZoneFor(WorkloadKind.Udp)) with
        {
            Parameters = new WorkloadParameters { UdpRxOrder = rxOrder },
            Pressure = false,
        };

        var run = Runs.Run(options, output);
        var r = run.Result;

        Runs.AssertClean(run);
        Assert.True(r.Allocations > 0, "nothing was received");
        Assert.Equal(0, r.WorkloadCounters.OrderZeroFallbacks);
        Assert.Equal(r.Allocations << rxOrder, r.AllocatedPages);
        Assert.True(r.WorkloadCounters.HandedOffPages > 0, "no page was handed to a consumer");
    }
}
