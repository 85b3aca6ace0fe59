using PcpTestbed.Designs;
using PcpTestbed.Execution.Cpus;
using PcpTestbed.Execution.Locking;
using PcpTestbed.Workloads.Faults;
using PcpTestbed.Workloads.Kinds;
using PcpTestbed.Workloads.Tests.Support;
using Xunit.Abstractions;

namespace PcpTestbed.Workloads.Tests;

/// <summary>
/// Issue 16, through the runner and a real allocator: a CPU made to hold zone->lock far longer than the watchdog
/// threshold (a hold delay of seconds, injected inside every zone->lock hold) is reported before the run gives up,
/// with the locks it holds, where it took them, and the CPUs spinning on them.
/// </summary>
public class StuckCpuRunTests(ITestOutputHelper output)
{
    [Fact]
    public void A_cpu_holding_zone_lock_past_the_threshold_is_reported_with_its_locks_their_sites_and_the_cpus_spinning_on_them()
    {
        var reports = new List<StuckCpuReport>();
        var options = Runs.Options(DesignKind.Mainline, WorkloadKind.PageFault, cpus: 3, duration: TimeSpan.FromSeconds(20)) with
        {
            // The first refill's zone->lock hold lasts 2 s; the coordinator gives up on its first audit after 1 s.
            Faults = new FaultOptions { HoldDelays = new HoldDelays(ZoneNs: 2_000_000_000, PcpNs: 0) },
            QuiescenceTimeout = TimeSpan.FromSeconds(1),
            OnStuck = reports.Add,
        };

        var e = Assert.Throws<QuiescenceTimeoutException>(() => Runs.Run(options, output));

        var report = Assert.IsType<StuckCpuReport>(e.Report);
        foreach (var line in report.Lines())
        {
            output.WriteLine(line);
        }

        // Printed before the run gave up: the runner handed the report to OnStuck first.
        Assert.Same(report, Assert.Single(reports));
        Assert.Equal("stop the world", report.Operation);
        Assert.Equal("page-fault, mainline", report.Label);
        Assert.Equal([0, 1, 2], report.Cpus.Select(c => c.Cpu));

        // One CPU holds zone->lock in its refill, under its own pcp->lock, and spins on nothing.
        var holder = Assert.Single(report.Cpus, c => c.HeldLocks.Any(l => l.Lock == "&zone->lock"));
        Assert.Equal([new HeldLockReport($"&pcp->lock#{holder.Cpu}", "rmqueue_pcplist"), new HeldLockReport("&zone->lock", "rmqueue_bulk")], holder.HeldLocks);
        Assert.Equal($"alloc_pages(gfp 0x{(long)Model.Gfp.HighUserMovable:x}, order 0)", holder.Operation);
        Assert.Equal("rmqueue_bulk", holder.Function);
        Assert.Null(holder.SpinningOn);
        Assert.Contains($"  #1: &zone->lock, acquired at rmqueue_bulk", holder.Text);

        // The others spin on it from their own refills.
        var spinners = report.Cpus.Where(c => c != holder).ToList();
        Assert.Equal(2, spinners.Count);
        Assert.All(spinners, s =>
        {
            var wait = Assert.IsType<LockWait>(s.SpinningOn);
            Assert.Equal("&zone->lock", wait.Lock);
            Assert.Equal("rmqueue_bulk", wait.Site);
            Assert.Equal(holder.Cpu, wait.HolderCpu);
            Assert.Equal("rmqueue_bulk", wait.HolderSite);
            Assert.Equal([new HeldLockReport($"&pcp->lock#{s.Cpu}", "rmqueue_pcplist")], s.HeldLocks);
        });

        // Holding a lock in one call for the whole wait is what a livelock of the design looks like.
        Assert.All(report.Cpus, c => Assert.Equal(HangKind.StuckInOperation, c.LooksLike));
        Assert.True(report.DesignFailure);
    }
}
