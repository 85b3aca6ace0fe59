using PcpTestbed.Execution.Locking;
using PcpTestbed.Execution.LockStat;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Tests;

public class LockClassHistogramsTests
{
    [Fact]
    public void A_class_histogram_merges_every_site_and_cpu_and_agrees_with_the_snapshot()
    {
        const int n = 500;
        var recorder = new LockStatRecorder(cpuCount: 3, holdSampleInterval: 1);
        var exec = new OsExecution<LockStatProbe>(new LockStatProbe(recorder));
        var zoneLock = new EmuSpinLock(LockClass.Zone, 0);
        var pcpLock = new EmuSpinLock(LockClass.Pcp, 0);
        for (var i = 0; i < n; i++)
        {
            var cpu = i % 3;
            exec.Lock(ref zoneLock, cpu, i % 2 == 0 ? LockSite.Refill : LockSite.BuddyAlloc);
            exec.Unlock(ref zoneLock, cpu);
        }

        exec.Lock(ref pcpLock, 0, LockSite.PcpAlloc);
        exec.Unlock(ref pcpLock, 0);

        var zone = recorder.Snapshot().Class(LockClass.Zone);
        var h = recorder.Histograms(LockClass.Zone);
        Assert.Equal("zone->lock", h.Name);
        Assert.Equal(n, h.HoldNs.Count);
        Assert.Equal(zone.HoldNs.Count, h.HoldNs.Count);
        Assert.Equal(n, SumOf(h.HoldNs.Buckets));
        Assert.Equal(zone.HoldNs.P99, h.HoldNs.ValueAtQuantile(0.99));
        Assert.Equal(zone.HoldNs.Max, h.HoldNs.Max);
        Assert.Equal(0, h.WaitNs.Count);
        Assert.Equal(1, recorder.Histograms(LockClass.Pcp).HoldNs.Count);
    }

    [Fact]
    public void A_class_nobody_took_has_empty_histograms()
    {
        var recorder = new LockStatRecorder(cpuCount: 2);
        var h = recorder.Histograms(LockClass.Pcp);
        Assert.Equal(0, h.WaitNs.Count);
        Assert.Equal(0, h.HoldNs.Count);
        Assert.Equal(0, SumOf(h.HoldNs.Buckets));
    }

    private static long SumOf(ReadOnlySpan<long> buckets)
    {
        long sum = 0;
        foreach (var b in buckets)
        {
            sum += b;
        }

        return sum;
    }
}
