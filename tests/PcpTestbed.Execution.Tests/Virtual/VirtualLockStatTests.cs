using PcpTestbed.Execution.LockStat;
using PcpTestbed.Execution.Virtual;
using PcpTestbed.Model.Sync;
using static PcpTestbed.Execution.Tests.Virtual.TestCosts;

namespace PcpTestbed.Execution.Tests.Virtual;

/// <summary>The lock_stat recorder fed by the virtual-time engine: the same counters, with exact virtual wait and hold times.</summary>
public class VirtualLockStatTests
{
    [Fact]
    public void Wait_and_hold_times_are_the_virtual_intervals_and_the_report_says_they_are_virtual()
    {
        var locks = new PaddedSpinLock[1];
        locks[0].Value = new EmuSpinLock(LockClass.Zone, 0);
        var m = new VirtualMachine(2, Costs);
        var recorder = new LockStatRecorder(2, holdSampleInterval: 1, clock: m);
        var exec = new VirtualExecution<LockStatProbe>(m, new LockStatProbe(recorder));

        // CPU 0 holds zone->lock over [10, 1010] ns for a refill; CPU 1 asks at 100 ns for a drain.
        new Script(2).On(0, () =>
        {
            exec.Lock(ref locks[0].Value, 0, LockSite.Refill);
            m.Charge(0, 1000);
            exec.Unlock(ref locks[0].Value, 0);
        }).On(1, () =>
        {
            m.Charge(1, 100);
            exec.Lock(ref locks[0].Value, 1, LockSite.Drain);
            m.Charge(1, 50);
            exec.Unlock(ref locks[0].Value, 1);
        }).Run(m);

        var report = recorder.Snapshot();
        var zone = report.Class(LockClass.Zone);
        Assert.True(report.VirtualTime);
        Assert.Equal(0, report.ClockReadNs);
        Assert.Equal(2, zone.Acquisitions);
        Assert.Equal(1, zone.Contentions);
        Assert.Equal(1, zone.Bounces);

        // CPU 1 waits from its request (100 ns) until it holds the lock: CPU 0's release (1011 ns), the handover and the lock's lines.
        var drain = report.Site(LockClass.Zone, LockSite.Drain)!;
        Assert.Equal(1011 + HandoverNs + (ZoneLines * TransferNs) - 100, drain.WaitNs.Max);
        Assert.Equal(50, drain.HoldNs.Max);
        Assert.Equal(1000, report.Site(LockClass.Zone, LockSite.Refill)!.HoldNs.Max);

        // The waiter contended with the refill: lock_stat's contending point.
        Assert.Equal(1, report.Site(LockClass.Zone, LockSite.Refill)!.Contending);
        Assert.Contains("virtual times", report.ToTable());
    }

    [Fact]
    public void A_host_time_recorder_is_unchanged_by_the_clock_seam()
    {
        var recorder = new LockStatRecorder(1);

        var report = recorder.Snapshot();

        Assert.False(report.VirtualTime);
        Assert.False(recorder.VirtualTime);
        Assert.Contains("subtracted", report.ToTable());
        Assert.DoesNotContain("virtualTime", System.Text.Json.JsonSerializer.Serialize(report, new System.Text.Json.JsonSerializerOptions
        {
            PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase,
        }));
    }
}
