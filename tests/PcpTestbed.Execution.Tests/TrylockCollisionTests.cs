using PcpTestbed.Execution.Locking;
using PcpTestbed.Execution.LockStat;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Tests;

/// <summary>
/// Every failed trylock is attributed to the site holding the lock at that moment (lock_stat's contending points,
/// applied to trylock failures), both ways round: per failing site, the holders it collided with; per holder site,
/// the failures it caused.
/// </summary>
public class TrylockCollisionTests
{
    private static OsExecution<LockStatProbe> Exec(LockStatRecorder recorder) => new(new LockStatProbe(recorder));

    [Fact]
    public void A_trylock_that_fails_on_a_seized_lock_is_attributed_to_the_seizing_site()
    {
        var recorder = new LockStatRecorder(cpuCount: 2);
        var exec = Exec(recorder);
        var l = new EmuSpinLock(LockClass.Pcp, 0);

        // CPU 1 drains CPU 0's PCP (single-threaded: the lock is simply held at that site).
        DirectExecution.SeizeAt(ref l, cpu: 1, LockSite.PcpDrain);
        Assert.False(exec.TryLock(ref l, 0, LockSite.PcpAlloc));
        DirectExecution.Release(ref l);

        var report = recorder.Snapshot();
        var alloc = report.Site(LockClass.Pcp, LockSite.PcpAlloc)!;
        Assert.Equal(1, alloc.TrylockFailures);
        var collision = Assert.Single(alloc.TrylockCollisions);
        Assert.Equal("drain_pages_zone", collision.Holder);
        Assert.Equal(1, collision.Count);

        var drain = report.Site(LockClass.Pcp, LockSite.PcpDrain);
        Assert.NotNull(drain);
        Assert.Equal(1, drain.TrylockFailuresCaused);
        Assert.Equal(0, drain.Acquisitions);
        Assert.Equal(0, alloc.TrylockFailuresCaused);
    }

    [Fact]
    public void A_sites_collisions_add_up_to_its_trylock_failures_and_each_holder_is_charged_what_it_caused()
    {
        LockSite[] holders = [LockSite.PcpDrain, LockSite.PcpRemoteFree, LockSite.PcpDecay];
        LockSite[] failing = [LockSite.PcpAlloc, LockSite.PcpFree];
        var recorder = new LockStatRecorder(cpuCount: 3);
        var exec = Exec(recorder);
        var l = new EmuSpinLock(LockClass.Pcp, 0);
        var expected = new Dictionary<(LockSite Failing, LockSite Holder), long>();
        var rng = new Random(7);

        for (var i = 0; i < 1000; i++)
        {
            var holder = holders[rng.Next(holders.Length)];
            var site = failing[rng.Next(failing.Length)];
            DirectExecution.SeizeAt(ref l, cpu: 2, holder);
            Assert.False(exec.TryLock(ref l, rng.Next(2), site));
            DirectExecution.Release(ref l);
            expected[(site, holder)] = expected.GetValueOrDefault((site, holder)) + 1;

            // A trylock that succeeds records no collision.
            Assert.True(exec.TryLock(ref l, 0, site));
            exec.Unlock(ref l, 0);
        }

        var report = recorder.Snapshot();
        foreach (var site in failing)
        {
            var stats = report.Site(LockClass.Pcp, site)!;
            Assert.Equal(stats.TrylockFailures, stats.TrylockCollisions.Sum(x => x.Count));
            foreach (var holder in holders)
            {
                var count = stats.TrylockCollisions.SingleOrDefault(x => x.Holder == LockSites.KernelName(holder))?.Count ?? 0;
                Assert.Equal(expected.GetValueOrDefault((site, holder)), count);
            }

            // The failing sites themselves held the lock only between trylocks, never when one failed.
            Assert.DoesNotContain(stats.TrylockCollisions, x => failing.Any(f => LockSites.KernelName(f) == x.Holder));
        }

        foreach (var holder in holders)
        {
            Assert.Equal(expected.Where(kv => kv.Key.Holder == holder).Sum(kv => kv.Value), report.Site(LockClass.Pcp, holder)!.TrylockFailuresCaused);
        }

        Assert.Equal(1000, report.Class(LockClass.Pcp).TrylockFailures);
        Assert.Empty(report.Class(LockClass.Zone).Sites);
    }

    [Fact]
    public void The_proc_layout_lists_each_collision_and_each_holders_failures_as_points()
    {
        var recorder = new LockStatRecorder(cpuCount: 2);
        var exec = Exec(recorder);
        var l = new EmuSpinLock(LockClass.Pcp, 0);
        for (var i = 0; i < 3; i++)
        {
            DirectExecution.SeizeAt(ref l, cpu: 1, LockSite.PcpRemoteFree);
            Assert.False(exec.TryLock(ref l, 0, LockSite.PcpAlloc));
            DirectExecution.Release(ref l);
        }

        exec.Lock(ref l, 0, LockSite.PcpAlloc);
        exec.Unlock(ref l, 0);
        var text = recorder.Snapshot(TimeSpan.FromMilliseconds(1)).ToProcLockStat();
        var lines = text.Split('\n');
        Assert.Contains(lines, x => x.StartsWith("lock_stat testbed extensions", StringComparison.Ordinal));
        Assert.Contains($"{"&pcp->lock",40} {3,14} {"[<0>]",29} rmqueue_pcplist <- free_unref_page:remote", lines);
        Assert.Contains($"{"&pcp->lock",40} {3,14} {"[<0>]",29} free_unref_page:remote (holding)", lines);

        // The kernel's part still has one class line per class: the extension names classes without the colon.
        Assert.Single(lines, x => x.TrimStart().StartsWith("&pcp->lock:", StringComparison.Ordinal));
    }
}
