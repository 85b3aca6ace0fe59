using PcpTestbed.Designs;
using PcpTestbed.Execution.Locking;
using PcpTestbed.Workloads.Faults;
using PcpTestbed.Workloads.Kinds;
using PcpTestbed.Workloads.Run;
using PcpTestbed.Workloads.Tests.Support;
using Xunit.Abstractions;

namespace PcpTestbed.Workloads.Tests;

/// <summary>
/// The runner's virtual driver (RunOptions.Engine = Virtual): what the OS-thread coordinator does by wall clock happens
/// at virtual times, exactly; faults, kswapd, lockdep and hold delays work on the engine; every run audits clean.
/// </summary>
public class VirtualRunTests(ITestOutputHelper output)
{
    private static RunOptions Virtual(DesignKind design, WorkloadKind workload, int cpus, TimeSpan duration) =>
        Runs.Options(design, workload, cpus, duration: duration) with { Engine = RunEngine.Virtual, EndWhen = null };

    [Fact]
    public void Audits_run_at_exact_multiples_of_the_audit_interval_in_virtual_time()
    {
        var run = Runs.Run(Virtual(DesignKind.Mainline, WorkloadKind.PageFault, 4, TimeSpan.FromMilliseconds(450)), output);

        Runs.AssertClean(run);

        // Four while the CPUs ran (100..400 ms), then the end and the after-release audits.
        var during = run.Audits.Take(run.Audits.Count - 2).Select(a => a.At).ToList();
        Assert.Equal([100, 200, 300, 400], during.Select(t => t.TotalMilliseconds));
        Assert.True(run.Result.Engine.VirtualTime);
        Assert.Null(run.Result.Host);
        Assert.InRange(run.Result.Seconds, 0.45, 0.46);
    }

    [Theory]
    [InlineData(DesignKind.Mainline)]
    [InlineData(DesignKind.Pageblock)]
    public void Hold_delays_are_charged_inside_every_hold(DesignKind design)
    {
        const long zoneNs = 200, pcpNs = 50;
        var plain = Runs.Run(Virtual(design, WorkloadKind.Purge, 4, TimeSpan.FromMilliseconds(200)), output);
        var delayed = Runs.Run(Virtual(design, WorkloadKind.Purge, 4, TimeSpan.FromMilliseconds(200)) with
        {
            Faults = new FaultOptions { HoldDelays = new HoldDelays(zoneNs, pcpNs) },
        }, output);

        Runs.AssertClean(plain);
        Runs.AssertClean(delayed);
        var zonePlain = plain.Result.Locks.Single(l => l.Name == "zone->lock").HoldNs;
        var pcpPlain = plain.Result.Locks.Single(l => l.Name == "pcp->lock").HoldNs;
        var zone = delayed.Result.Locks.Single(l => l.Name == "zone->lock").HoldNs;
        var pcp = delayed.Result.Locks.Single(l => l.Name == "pcp->lock").HoldNs;

        // Without the delay some holds are shorter than it; with it none is.
        Assert.True(pcpPlain.Min < pcpNs, $"pcp->lock's shortest hold is {pcpPlain.Min} ns without a delay");
        Assert.True(zonePlain.Min < zoneNs, $"zone->lock's shortest hold is {zonePlain.Min} ns without a delay");
        Assert.True(zone.Min >= zoneNs, $"zone->lock's shortest hold is {zone.Min} ns with a {zoneNs} ns delay");
        Assert.True(pcp.Min >= pcpNs, $"pcp->lock's shortest hold is {pcp.Min} ns with a {pcpNs} ns delay");
    }

    [Fact]
    public void Interrupts_at_scheduling_points_are_refused_not_ignored()
    {
        // A step runs whole on this engine: an interrupt has no point inside it to land at.
        var o = Virtual(DesignKind.Mainline, WorkloadKind.Mixed, 2, TimeSpan.FromMilliseconds(10)) with
        {
            Faults = new FaultOptions { HoldDelays = new HoldDelays(0, 0, IrqNs: 1000, IrqPercent: 1) },
        };

        var e = Assert.Throws<ArgumentException>(() => Runner.Run(o));
        Assert.Contains("IrqNs", e.Message);
    }

    [Fact]
    public void Kswapd_runs_as_a_cpu_of_its_own_under_pressure_with_lockdep_on()
    {
        var run = Runs.Run(Virtual(DesignKind.Pageblock, WorkloadKind.Udp, 4, TimeSpan.FromMilliseconds(300)) with { Pressure = true, Lockdep = true }, output);

        Runs.AssertClean(run);
        var r = run.Result;
        Assert.Equal(4, r.KswapdCpu);
        Assert.NotNull(r.Reclaim);
        Assert.True(r.Reclaim!.KswapdWakeups > 0 && r.Reclaim.KswapdReclaimedPages > 0, r.Reclaim.ToString());
        Assert.NotNull(r.Lockdep);
        Assert.Equal(0, r.Lockdep!.Reports);
    }

    [Fact]
    public void Hotplug_runs_page_alloc_cpu_dead_on_a_survivor_and_brings_the_cpu_back()
    {
        var run = Runs.Run(Virtual(DesignKind.Mainline, WorkloadKind.Mixed, 4, TimeSpan.FromSeconds(1)) with
        {
            Faults = new FaultOptions { CpuHotplug = true, Exhaustion = true },
        }, output);

        Runs.AssertClean(run);
        var events = run.Result.FaultEvents!;
        Assert.True(events.Offlines > 0 && events.Onlines > 0, events.ToString());
        Assert.True(events.Exhaustions > 0, events.ToString());
        // mainline's page_alloc_cpu_dead() drains the dead CPU's PCP (drain_pages()), run as a survivor; each online
        // sets the PCP up again (page_alloc_cpu_online()).
        var pcp = run.Result.Locks.Single(l => l.Name == "pcp->lock").Sites.ToDictionary(s => s.Name, s => s.Acquisitions);
        Assert.True(pcp.GetValueOrDefault("drain_pages_zone") >= events.Offlines, string.Join(", ", pcp));
        Assert.Equal(events.Onlines, pcp.GetValueOrDefault("page_alloc_cpu_online"));
    }
}
