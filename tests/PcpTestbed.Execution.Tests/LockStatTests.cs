using PcpTestbed.Execution.Locking;
using PcpTestbed.Execution.LockStat;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Tests;

public class LockStatTests
{
    private static OsExecution<LockStatProbe> Exec(LockStatRecorder recorder) => new(new LockStatProbe(recorder));

    [Fact]
    public void Counts_are_exact_for_a_single_cpu_sequence_with_no_contention_and_no_bounce()
    {
        const int n = 1000;
        var recorder = new LockStatRecorder(cpuCount: 4);
        var exec = Exec(recorder);
        var l = new EmuSpinLock(LockClass.Zone, 0);

        for (var i = 0; i < n; i++)
        {
            exec.Lock(ref l, 2, LockSite.Refill);
            exec.Unlock(ref l, 2);
        }

        var zone = recorder.Snapshot().Class(LockClass.Zone);
        Assert.Equal(n, zone.Acquisitions);
        Assert.Equal(0, zone.Contentions);
        Assert.Equal(0, zone.TrylockFailures);
        Assert.Equal(0, zone.Bounces);
        Assert.Equal(0, zone.WaitNs.Count);
        var refill = Assert.Single(zone.Sites);
        Assert.Equal("rmqueue_bulk", refill.Name);
        Assert.Equal(n, refill.Acquisitions);
        Assert.Equal(0, recorder.Snapshot().Class(LockClass.Pcp).Acquisitions);
    }

    [Fact]
    public void Every_acquisition_by_another_cpu_than_the_last_holder_is_a_bounce_except_the_first()
    {
        const int n = 1000;
        var recorder = new LockStatRecorder(cpuCount: 2);
        var exec = Exec(recorder);
        var l = new EmuSpinLock(LockClass.Pcp, 0);

        for (var i = 0; i < n; i++)
        {
            var cpu = i % 2;
            exec.Lock(ref l, cpu, i % 2 == 0 ? LockSite.PcpAlloc : LockSite.PcpRemoteFree);
            exec.Unlock(ref l, cpu);
        }

        var report = recorder.Snapshot();
        Assert.Equal(n, report.Class(LockClass.Pcp).Acquisitions);
        Assert.Equal(n - 1, report.Class(LockClass.Pcp).Bounces);
        Assert.Equal((n / 2) - 1, report.Site(LockClass.Pcp, LockSite.PcpAlloc)!.Bounces);
        Assert.Equal(n / 2, report.Site(LockClass.Pcp, LockSite.PcpRemoteFree)!.Bounces);
        Assert.Equal(0, report.Class(LockClass.Pcp).Contentions);
    }

    [Fact]
    public void A_cpu_that_must_wait_records_one_contention_its_wait_time_and_the_holder_as_contending_point()
    {
        const long holdAfterWaiterArrivesNs = 500_000;
        var recorder = new LockStatRecorder(cpuCount: 2, holdSampleInterval: 1);
        using var contended = new ManualResetEventSlim(false);
        var exec = new OsExecution<SignalingProbe>(new SignalingProbe(new LockStatProbe(recorder), contended));
        var locks = new PaddedSpinLock[1];
        locks[0].Value = new EmuSpinLock(LockClass.Zone, 0);
        exec.Lock(ref locks[0].Value, 0, LockSite.Refill);
        Exception? waiterFault = null;
        var waiter = new Thread(() =>
        {
            try
            {
                exec.Lock(ref locks[0].Value, 1, LockSite.BuddyAlloc);
                exec.Unlock(ref locks[0].Value, 1);
            }
            catch (Exception e)
            {
                waiterFault = e;
            }
        });

        waiter.Start();
        Assert.True(contended.Wait(TimeSpan.FromSeconds(10)), "CPU 1 never waited for the lock");
        var holdUntil = LockClock.Now() + (long)(holdAfterWaiterArrivesNs / LockClock.NsPerTick);
        while (LockClock.Now() < holdUntil)
        {
        }

        exec.Unlock(ref locks[0].Value, 0);
        Assert.True(waiter.Join(TimeSpan.FromSeconds(10)), "CPU 1 never got the lock");
        Assert.Null(waiterFault);

        var zone = recorder.Snapshot().Class(LockClass.Zone);
        Assert.Equal(2, zone.Acquisitions);
        Assert.Equal(1, zone.Contentions);
        Assert.Equal(1, zone.ContentionBounces);
        Assert.Equal(1, zone.Bounces);
        var buddy = zone.Site("rmqueue_buddy")!;
        Assert.Equal(1, buddy.Contentions);
        Assert.Equal(1, buddy.WaitNs.Count);
        Assert.True(buddy.WaitNs.Min >= holdAfterWaiterArrivesNs - 1_000, $"waited {buddy.WaitNs.Min} ns");
        var refill = zone.Site("rmqueue_bulk")!;
        Assert.Equal(1, refill.Contending);
        Assert.Equal(0, refill.Contentions);
        Assert.True(refill.HoldNs.Min >= holdAfterWaiterArrivesNs, $"held {refill.HoldNs.Min} ns");
    }

    [Theory]
    [InlineData(16)]
    [InlineData(64)]
    [InlineData(100)]
    public void Hold_time_is_sampled_on_one_in_n_acquisitions_within_binomial_bounds(int interval)
    {
        const int acquisitions = 1_000_000;
        var recorder = new LockStatRecorder(cpuCount: 1, holdSampleInterval: interval);
        var exec = Exec(recorder);
        var l = new EmuSpinLock(LockClass.Pcp, 0);

        for (var i = 0; i < acquisitions; i++)
        {
            exec.Lock(ref l, 0, LockSite.PcpAlloc);
            exec.Unlock(ref l, 0);
        }

        var sampled = recorder.Snapshot().Class(LockClass.Pcp).HoldNs.Count;
        AssertBinomial(sampled, acquisitions, 1.0 / interval);
    }

    [Fact]
    public void Hold_sampling_does_not_alias_with_a_period_two_workload()
    {
        const int pairs = 500_000;
        const int interval = 64;
        var recorder = new LockStatRecorder(cpuCount: 1, holdSampleInterval: interval);
        var exec = Exec(recorder);
        var l = new EmuSpinLock(LockClass.Pcp, 0);

        for (var i = 0; i < pairs; i++)
        {
            exec.Lock(ref l, 0, LockSite.PcpAlloc);
            exec.Unlock(ref l, 0);
            exec.Lock(ref l, 0, LockSite.PcpFree);
            exec.Unlock(ref l, 0);
        }

        var report = recorder.Snapshot();
        AssertBinomial(report.Site(LockClass.Pcp, LockSite.PcpAlloc)!.HoldNs.Count, pairs, 1.0 / interval);
        AssertBinomial(report.Site(LockClass.Pcp, LockSite.PcpFree)!.HoldNs.Count, pairs, 1.0 / interval);
    }

    [Fact]
    public void Interval_one_times_every_hold_and_interval_zero_none()
    {
        const int n = 500;
        var every = new LockStatRecorder(cpuCount: 1, holdSampleInterval: 1);
        var none = new LockStatRecorder(cpuCount: 1, holdSampleInterval: 0);
        var l = new EmuSpinLock(LockClass.Zone, 0);

        for (var i = 0; i < n; i++)
        {
            Exec(every).Lock(ref l, 0, LockSite.Refill);
            Exec(every).Unlock(ref l, 0);
            Exec(none).Lock(ref l, 0, LockSite.Refill);
            Exec(none).Unlock(ref l, 0);
        }

        Assert.Equal(n, every.Snapshot().Class(LockClass.Zone).HoldNs.Count);
        Assert.Equal(0, none.Snapshot().Class(LockClass.Zone).HoldNs.Count);
        Assert.Equal(n, none.Snapshot().Class(LockClass.Zone).Acquisitions);
    }

    [Fact]
    public void Reset_clears_every_counter()
    {
        var recorder = new LockStatRecorder(cpuCount: 1, holdSampleInterval: 1);
        var exec = Exec(recorder);
        var l = new EmuSpinLock(LockClass.Zone, 0);
        exec.Lock(ref l, 0, LockSite.Refill);
        exec.Unlock(ref l, 0);

        recorder.Reset();

        var zone = recorder.Snapshot().Class(LockClass.Zone);
        Assert.Equal(0, zone.Acquisitions);
        Assert.Equal(0, zone.HoldNs.Count);
        Assert.Empty(zone.Sites);
    }

    [Fact]
    public void The_clock_read_cost_is_calibrated_to_a_plausible_value()
    {
        Assert.InRange(LockClock.ReadCostNs, 1, 5_000);
        Assert.Equal(0, LockClock.IntervalNs(100, 100));
    }

    /// <summary>Within 6 standard deviations of n * p: a deterministic seed makes this a fixed outcome, and the bound makes it not a lucky one.</summary>
    private static void AssertBinomial(long observed, long n, double p)
    {
        var mean = n * p;
        var sd = Math.Sqrt(n * p * (1 - p));
        Assert.InRange(observed, (long)(mean - (6 * sd)), (long)(mean + (6 * sd)));
    }
}
