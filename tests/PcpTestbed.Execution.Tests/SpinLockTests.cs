using System.Diagnostics;
using PcpTestbed.Execution.Cpus;
using PcpTestbed.Execution.Locking;
using PcpTestbed.Execution.LockStat;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Tests;

public class SpinLockTests
{
    /// <summary>
    /// The one test body both locks run under: every CPU increments a plain (non-atomic) counter under the lock,
    /// with a read-modify-write spread over a short spin so that two CPUs inside at once lose an update.
    /// </summary>
    private static long CountUnderLock<TExec>(TExec exec, int cpus, long opsPerCpu)
        where TExec : struct, IExecution
    {
        var locks = new PaddedSpinLock[1];
        locks[0].Value = new EmuSpinLock(LockClass.Zone, 0);
        var counter = new long[1];
        using var machine = new CpuMachine(new CpuMachineOptions(cpus));
        machine.Run(
            cpu =>
            {
                while (cpu.QuiescentPoint())
                {
                    exec.Lock(ref locks[0].Value, cpu.Id, LockSite.Refill);
                    var seen = counter[0];
                    Thread.SpinWait(4);
                    counter[0] = seen + 1;
                    exec.Unlock(ref locks[0].Value, cpu.Id);
                }
            },
            RunLimit.Operations(opsPerCpu));
        return counter[0];
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(16)]
    public void Lock_excludes_every_other_cpu_so_an_unprotected_counter_ends_exact(int cpus)
    {
        const long opsPerCpu = 20_000;

        var count = CountUnderLock(new OsExecution<NoLockProbe>(default), cpus, opsPerCpu);

        Assert.Equal(cpus * opsPerCpu, count);
    }

    [Fact]
    public void Canary_a_check_then_set_lock_loses_updates_so_the_exclusion_test_can_see_a_race()
    {
        const int cpus = 4;
        const long opsPerCpu = 50_000;
        const int maxRounds = 100;

        var lostUpdate = false;
        var rounds = 0;
        while (!lostUpdate && rounds < maxRounds)
        {
            rounds++;
            lostUpdate = CountUnderLock(new CheckThenSetExecution(), cpus, opsPerCpu) < cpus * opsPerCpu;
        }

        Assert.True(lostUpdate, $"the broken lock lost no update in {rounds} rounds of {cpus} x {opsPerCpu}: the test cannot see races");
    }

    [Fact]
    public void TryLock_fails_while_another_cpu_holds_the_lock_and_records_a_trylock_failure()
    {
        var recorder = new LockStatRecorder(cpuCount: 2);
        var exec = new OsExecution<LockStatProbe>(new LockStatProbe(recorder));
        var l = new EmuSpinLock(LockClass.Pcp, 0);
        exec.Lock(ref l, 0, LockSite.PcpDrain);

        var taken = exec.TryLock(ref l, 1, LockSite.PcpAlloc);

        Assert.False(taken);
        Assert.True(l.IsHeldBy(0));
        var site = recorder.Snapshot().Site(LockClass.Pcp, LockSite.PcpAlloc);
        Assert.NotNull(site);
        Assert.Equal(1, site.TrylockFailures);
        Assert.Equal(0, site.Contentions);
        Assert.Equal(0, site.Acquisitions);
    }

    [Fact]
    public void TryLock_takes_a_free_lock_for_the_calling_cpu()
    {
        var exec = new OsExecution<NoLockProbe>(default);
        var l = new EmuSpinLock(LockClass.Pcp, 3);

        Assert.True(exec.TryLock(ref l, 3, LockSite.PcpAlloc));

        Assert.True(l.IsHeldBy(3));
        Assert.Equal(LockSite.PcpAlloc, l.HoldSite);
        Assert.Equal(4, l.LastHolder);
    }

    [Fact]
    public void Unlock_by_a_cpu_that_does_not_hold_the_lock_throws()
    {
        var exec = new OsExecution<NoLockProbe>(default);
        var l = new EmuSpinLock(LockClass.Zone, 0);
        exec.Lock(ref l, 0, LockSite.Refill);

        var e = Assert.Throws<InvalidOperationException>(() => exec.Unlock(ref l, 1));

        Assert.Contains("CPU 1 releases zone->lock#0 held by CPU 0", e.Message);
        Assert.True(l.IsHeldBy(0));
    }

    [Fact]
    public void Lock_taken_again_by_its_holder_throws_instead_of_spinning()
    {
        var exec = new OsExecution<NoLockProbe>(default, TimeSpan.FromSeconds(30));
        var l = new EmuSpinLock(LockClass.Zone, 0);
        exec.Lock(ref l, 2, LockSite.Refill);

        var e = Assert.Throws<LockWaitTimeoutException>(() => exec.Lock(ref l, 2, LockSite.BuddyAlloc));

        Assert.Contains("recursive locking", e.Message);
    }

    [Fact]
    public void A_wait_longer_than_the_lock_wait_timeout_throws_naming_the_holder()
    {
        var exec = new OsExecution<NoLockProbe>(default, TimeSpan.FromMilliseconds(50));
        var locks = new PaddedSpinLock[1];
        locks[0].Value = new EmuSpinLock(LockClass.Zone, 0);
        exec.Lock(ref locks[0].Value, 0, LockSite.Drain);
        Exception? caught = null;
        var waiter = new Thread(() =>
        {
            try
            {
                exec.Lock(ref locks[0].Value, 1, LockSite.Refill);
            }
            catch (Exception e)
            {
                caught = e;
            }
        });

        waiter.Start();
        Assert.True(waiter.Join(TimeSpan.FromSeconds(10)), "the waiter never gave up");

        var timeout = Assert.IsType<LockWaitTimeoutException>(caught);
        Assert.Contains("held by CPU 0 since free_pcppages_bulk:drain", timeout.Message);

        // A waiter that gave up no longer keeps trylocks out.
        Assert.Equal(0, locks[0].Value.Waiters);
    }

    [Fact]
    public void A_trylock_fails_while_another_cpu_spins_in_spin_lock_even_at_the_instant_the_lock_is_released()
    {
        // qspinlock's first waiter sets the pending bit, so queued_spin_trylock() sees a non-zero lock word until the
        // waiter has the lock. Without that rule a drainer spinning on a PCP's lock starved behind its owner's trylocks
        // at every allocation and free (issue 16).
        var exec = new OsExecution<NoLockProbe>(default);
        var locks = new PaddedSpinLock[1];
        locks[0].Value = new EmuSpinLock(LockClass.Pcp, 0);
        exec.Lock(ref locks[0].Value, 0, LockSite.PcpAlloc);
        using var trylockDone = new ManualResetEventSlim();
        var drainer = new Thread(() =>
        {
            exec.Lock(ref locks[0].Value, 1, LockSite.PcpDrain);

            // Held until the owner's trylock has run: a drainer that took the lock and released it at once would leave
            // that trylock a free lock with no waiter, which it may take.
            trylockDone.Wait();
            exec.Unlock(ref locks[0].Value, 1);
        });
        drainer.Start();
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref locks[0].Value.Waiters) == 1, TimeSpan.FromSeconds(20)), "CPU 1 never began spinning");

        exec.Unlock(ref locks[0].Value, 0);
        var retaken = exec.TryLock(ref locks[0].Value, 0, LockSite.PcpAlloc);
        if (retaken)
        {
            // Let the drainer finish either way.
            exec.Unlock(ref locks[0].Value, 0);
        }

        trylockDone.Set();

        Assert.False(retaken, "the owner's trylock took the lock from under a CPU spinning for it");
        Assert.True(drainer.Join(TimeSpan.FromSeconds(20)), "the spinning CPU never got the lock");
        Assert.Equal(0, locks[0].Value.Waiters);
        Assert.False(locks[0].Value.IsHeld);
    }

    [Fact]
    public void Hold_delay_lengthens_every_hold_of_its_class_and_leaves_the_other_class_alone()
    {
        const long zoneDelayNs = 50_000;
        const int holds = 20;
        var recorder = new LockStatRecorder(cpuCount: 1, holdSampleInterval: 1);
        var exec = new OsExecution<HoldDelayProbe<LockStatProbe>>(
            new HoldDelayProbe<LockStatProbe>(new LockStatProbe(recorder), new HoldDelays(ZoneNs: zoneDelayNs, PcpNs: 0)));
        var zone = new EmuSpinLock(LockClass.Zone, 0);
        var pcp = new EmuSpinLock(LockClass.Pcp, 0);

        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < holds; i++)
        {
            exec.Lock(ref zone, 0, LockSite.Refill);
            exec.Unlock(ref zone, 0);
            exec.Lock(ref pcp, 0, LockSite.PcpDrain);
            exec.Unlock(ref pcp, 0);
        }

        var elapsed = Stopwatch.GetElapsedTime(start);
        var report = recorder.Snapshot();
        Assert.True(report.Class(LockClass.Zone).HoldNs.Min >= zoneDelayNs - report.ClockReadNs, report.ToTable());
        Assert.True(report.Class(LockClass.Pcp).HoldNs.P50 < zoneDelayNs / 10, report.ToTable());
        Assert.True(elapsed.TotalNanoseconds >= holds * zoneDelayNs);
    }
}
