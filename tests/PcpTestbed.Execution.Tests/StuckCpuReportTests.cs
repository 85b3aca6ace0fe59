using PcpTestbed.Execution.Cpus;
using PcpTestbed.Execution.Locking;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Tests;

/// <summary>
/// Issue 16: CPUs hang on purpose, and the watchdog's report, taken when the coordinator's wait runs out, says what
/// each stuck CPU is doing, the locks it holds and where they were taken, the lock it spins on and its holder, and
/// whether the hang looks like a failure of the design or of the testbed.
/// </summary>
public class StuckCpuReportTests
{
    [Fact]
    public void A_cpu_hung_holding_locks_is_reported_with_each_lock_and_its_site_and_the_cpu_spinning_on_one()
    {
        using var rig = new HangRig(3, "test, hang");
        using var holding = new ManualResetEventSlim(false);
        using var release = new ManualResetEventSlim(false);
        rig.Machine.Start(
            cpu =>
            {
                var done = false;
                while (cpu.QuiescentPoint())
                {
                    if (cpu.Id == 0 && !done)
                    {
                        // drain_all_pages() draining CPU 3's PCP, blocked inside free_pcppages_bulk() with both locks held.
                        rig.Exec.OpBegin(0, AllocatorOp.DrainAllPages, 0, 0);
                        rig.Exec.Lock(ref rig.Pcp(2), 0, LockSite.PcpDrain);
                        rig.Exec.Lock(ref rig.Zone, 0, LockSite.Drain);
                        holding.Set();
                        release.Wait(HangRig.Generous);
                        rig.Exec.Unlock(ref rig.Zone, 0);
                        rig.Exec.Unlock(ref rig.Pcp(2), 0);
                        rig.Exec.OpEnd(0, 0);
                        done = true;
                    }
                    else if (cpu.Id == 1 && !done && holding.IsSet)
                    {
                        // A refill that needs zone->lock.
                        rig.Exec.OpBegin(1, AllocatorOp.Alloc, 0, 0xcc0);
                        rig.Exec.Lock(ref rig.Zone, 1, LockSite.Refill);
                        rig.Exec.Unlock(ref rig.Zone, 1);
                        rig.Exec.OpEnd(1, 0);
                        done = true;
                    }
                }
            },
            RunLimit.UntilStopped);
        Assert.True(holding.Wait(HangRig.Generous), "CPU 0 never took its locks");
        rig.UntilSpinning(1);

        var e = rig.StopTheWorldFails();
        release.Set();
        rig.Machine.RequestStop();
        rig.Machine.Join(HangRig.Generous);

        var report = Assert.IsType<StuckCpuReport>(e.Report);
        Assert.Same(report, Assert.Single(rig.Reported));
        Assert.Equal([0, 1], e.Cpus);
        Assert.Equal([0, 1], report.Cpus.Select(c => c.Cpu));

        var holder = report.Cpus[0];
        Assert.Equal("drain_all_pages()", holder.Operation);
        Assert.Equal("free_pcppages_bulk:drain", holder.Function);
        Assert.Equal([new HeldLockReport("&pcp->lock#2", "drain_pages_zone"), new HeldLockReport("&zone->lock", "free_pcppages_bulk:drain")], holder.HeldLocks);
        Assert.Null(holder.SpinningOn);
        Assert.Equal(HangKind.StuckInOperation, holder.LooksLike);
        Assert.Equal("BUG: soft lockup - CPU#0 stuck for 1s! [test, hang]", holder.Text[0]);
        Assert.StartsWith(" doing: drain_all_pages() on CPU 0, entered ", holder.Text[1]);
        Assert.EndsWith(" s ago, in free_pcppages_bulk:drain", holder.Text[1]);
        Assert.Equal([" 2 locks held by CPU 0:", "  #0: &pcp->lock#2, acquired at drain_pages_zone", "  #1: &zone->lock, acquired at free_pcppages_bulk:drain"],
            holder.Text.Skip(2).Take(3));

        var spinner = report.Cpus[1];
        Assert.Equal("alloc_pages(gfp 0xcc0, order 0)", spinner.Operation);
        Assert.Equal("rmqueue_bulk", spinner.Function);
        Assert.Empty(spinner.HeldLocks);
        var wait = Assert.IsType<LockWait>(spinner.SpinningOn);
        Assert.Equal("&zone->lock", wait.Lock);
        Assert.Equal("rmqueue_bulk", wait.Site);
        Assert.Equal(0, wait.HolderCpu);
        Assert.Equal("free_pcppages_bulk:drain", wait.HolderSite);
        Assert.Equal(0, wait.Handovers);
        Assert.Contains(spinner.Text, l => l.StartsWith(" spinning on &zone->lock, held by CPU 0 (acquired at free_pcppages_bulk:drain), for ", StringComparison.Ordinal)
                                           && l.EndsWith(" s; it has not changed hands meanwhile", StringComparison.Ordinal));
        Assert.StartsWith("CPU 0: in drain_all_pages(), free_pcppages_bulk:drain", Assert.Single(spinner.Chain));
        Assert.Equal(HangKind.StuckInOperation, spinner.LooksLike);

        Assert.Equal(HangKind.StuckInOperation, report.LooksLike);
        Assert.True(report.DesignFailure);
        Assert.Contains("looks like a livelock or endless loop of the design", e.Message);
    }

    [Fact]
    public void Two_cpus_each_spinning_on_the_lock_the_other_holds_are_reported_as_a_deadlock_of_the_design()
    {
        using var rig = new HangRig(3);
        using var have0 = new ManualResetEventSlim(false);
        using var have1 = new ManualResetEventSlim(false);
        rig.Machine.Start(
            cpu =>
            {
                if (!cpu.QuiescentPoint() || cpu.Id == 2)
                {
                    while (cpu.QuiescentPoint())
                    {
                    }

                    return;
                }

                // An ABBA deadlock: CPU 0 frees to its PCP then takes CPU 1's; CPU 1 drains its own then CPU 0's.
                var (mine, other, have, theirs) = cpu.Id == 0 ? (0, 1, have0, have1) : (1, 0, have1, have0);
                rig.Exec.OpBegin(cpu.Id, cpu.Id == 0 ? AllocatorOp.Free : AllocatorOp.DrainAllPages, 0x10, 0);
                rig.Exec.Lock(ref rig.Pcp(mine), cpu.Id, cpu.Id == 0 ? LockSite.PcpFree : LockSite.PcpDrain);
                have.Set();
                theirs.Wait(HangRig.Generous);
                rig.Exec.Lock(ref rig.Pcp(other), cpu.Id, cpu.Id == 0 ? LockSite.PcpRemoteFree : LockSite.PcpDrain);
            },
            RunLimit.UntilStopped);
        rig.UntilSpinning(0);
        rig.UntilSpinning(1);

        var e = rig.StopTheWorldFails();
        rig.Machine.RequestStop();

        // Neither can ever get its second lock: both give up at the lock wait timeout.
        var faults = Assert.Throws<AggregateException>(() => rig.Machine.Join(HangRig.Generous));
        Assert.All(faults.InnerExceptions, f => Assert.IsType<LockWaitTimeoutException>(f));

        var report = Assert.IsType<StuckCpuReport>(e.Report);
        Assert.Equal([0, 1], report.Cpus.Select(c => c.Cpu));
        Assert.All(report.Cpus, c => Assert.Equal(HangKind.Deadlock, c.LooksLike));
        Assert.Equal("a wait-for cycle: CPU 0 -> CPU 1 -> CPU 0", report.Cpus[0].Why);
        Assert.Equal("a wait-for cycle: CPU 1 -> CPU 0 -> CPU 1", report.Cpus[1].Why);
        Assert.Equal([new HeldLockReport("&pcp->lock#0", "free_unref_page")], report.Cpus[0].HeldLocks);
        Assert.Equal(new LockWait("&pcp->lock#1", "free_unref_page:remote", report.Cpus[0].SpinningOn!.Seconds, 0, 1, "drain_pages_zone"), report.Cpus[0].SpinningOn);
        Assert.Equal(HangKind.Deadlock, report.LooksLike);
        Assert.True(report.DesignFailure);
        Assert.StartsWith("a deadlock of the design", report.Verdict);
    }

    [Fact]
    public void A_lock_whose_holder_died_is_reported_as_never_released_and_what_killed_the_holder_rides_on_the_timeout()
    {
        using var rig = new HangRig(3);
        using var holding = new ManualResetEventSlim(false);
        var bug = new InvalidOperationException("CPU 0 hits a bug with pcp->lock held");
        rig.Machine.Start(
            cpu =>
            {
                var done = false;
                while (cpu.QuiescentPoint())
                {
                    if (cpu.Id == 0)
                    {
                        rig.Exec.OpBegin(0, AllocatorOp.Free, 0x10, 0);
                        rig.Exec.Lock(ref rig.Pcp(0), 0, LockSite.PcpFree);
                        holding.Set();
                        HangRig.Eventually(() => rig.Activity.Read(1).Wait != null, "CPU 1 spins on CPU 0's pcp->lock");
                        throw bug;
                    }

                    if (cpu.Id == 1 && !done && holding.IsSet)
                    {
                        rig.Exec.OpBegin(1, AllocatorOp.DrainAllPages, 0, 0);
                        rig.Exec.Lock(ref rig.Pcp(0), 1, LockSite.PcpDrain);
                        done = true;
                    }
                }
            },
            RunLimit.UntilStopped);
        HangRig.Eventually(() => rig.Machine.State(0) == CpuState.Finished, "CPU 0 died");

        var e = rig.StopTheWorldFails();
        rig.Machine.RequestStop();
        Assert.Throws<AggregateException>(() => rig.Machine.Join(HangRig.Generous));

        Assert.Same(bug, e.InnerException);
        var report = Assert.IsType<StuckCpuReport>(e.Report);
        Assert.Same(bug, report.HolderFault);
        var spinner = Assert.Single(report.Cpus);
        Assert.Equal(1, spinner.Cpu);
        Assert.Equal(HangKind.LockHolderGone, spinner.LooksLike);
        Assert.Equal(new LockWait("&pcp->lock#0", "drain_pages_zone", spinner.SpinningOn!.Seconds, 0, 0, "free_unref_page"), spinner.SpinningOn);
        Assert.Equal("CPU 0: died of InvalidOperationException inside __free_pages(pfn 0x10, order 0)", Assert.Single(spinner.Chain));
        Assert.Equal("CPU 0 holds &pcp->lock#0 but is in no allocator call: died of InvalidOperationException inside __free_pages(pfn 0x10, order 0)", spinner.Why);
        Assert.True(report.DesignFailure);
    }

    [Fact]
    public void A_cpu_spinning_on_a_lock_that_keeps_changing_hands_is_reported_as_starvation_a_fault_of_the_testbed()
    {
        using var rig = new HangRig(3);
        using var stop = new ManualResetEventSlim(false);

        // CPUs 0 and 2 take turns holding CPU 2's pcp->lock, never letting it go free: CPU 1 can never win it.
        Volatile.Write(ref rig.Pcp(2).State, 1);
        var turns = new Thread(() =>
        {
            while (!stop.IsSet)
            {
                Volatile.Write(ref rig.Pcp(2).State, 3);
                Thread.SpinWait(100);
                Volatile.Write(ref rig.Pcp(2).State, 1);
                Thread.SpinWait(100);
            }

            Volatile.Write(ref rig.Pcp(2).State, 0);
        });
        turns.Start();
        rig.Machine.Start(
            cpu =>
            {
                var done = false;
                while (cpu.QuiescentPoint())
                {
                    if (cpu.Id == 1 && !done)
                    {
                        rig.Exec.OpBegin(1, AllocatorOp.DrainAllPages, 0, 0);
                        rig.Exec.Lock(ref rig.Pcp(2), 1, LockSite.PcpDrain);
                        rig.Exec.Unlock(ref rig.Pcp(2), 1);
                        rig.Exec.OpEnd(1, 0);
                        done = true;
                    }
                }
            },
            RunLimit.UntilStopped);
        HangRig.Eventually(() => rig.Activity.Read(1).Wait is { Handovers: > 0 }, "CPU 1 saw the lock change hands");

        // As in the soak of issue 16: the coordinator waits for one CPU to go offline while the others run on.
        var e = Assert.Throws<QuiescenceTimeoutException>(() => rig.Machine.TakeOffline(1));
        stop.Set();
        turns.Join();
        rig.Machine.RequestStop();
        rig.Machine.Join(HangRig.Generous);

        var report = Assert.IsType<StuckCpuReport>(e.Report);
        var spinner = Assert.Single(report.Cpus);
        Assert.Equal(1, spinner.Cpu);
        Assert.Equal(HangKind.Starvation, spinner.LooksLike);
        Assert.True(spinner.SpinningOn!.Handovers > 0);
        Assert.Contains("&pcp->lock#2 changed hands", spinner.Why);
        Assert.False(report.DesignFailure);
        Assert.StartsWith("starvation", report.Verdict);
    }

    [Fact]
    public void A_cpu_stuck_outside_any_allocator_call_is_reported_where_the_harness_says_it_is_a_fault_of_the_testbed()
    {
        using var rig = new HangRig(2);
        using var release = new ManualResetEventSlim(false);
        rig.Activity.SetNote(0, "a test workload step");
        rig.StartWithCpuBlockedInItsStep(0, release);

        var e = rig.StopTheWorldFails();
        release.Set();
        rig.Machine.RequestStop();
        rig.Machine.Join(HangRig.Generous);

        var report = Assert.IsType<StuckCpuReport>(e.Report);
        var stuck = Assert.Single(report.Cpus);
        Assert.Equal(HangKind.OutsideAllocator, stuck.LooksLike);
        Assert.Null(stuck.Operation);
        Assert.Equal("a test workload step", stuck.Where);
        Assert.Equal(" doing: a test workload step on CPU 0, in no allocator call", stuck.Text[1]);
        Assert.Equal(" no locks held by CPU 0", stuck.Text[2]);
        Assert.False(report.DesignFailure);
    }

    [Fact]
    public void A_cpu_taking_another_offline_that_never_parks_gets_the_stuck_report_a_coordinator_wait_gets()
    {
        // CPU 0 plays the hotplug control task; CPU 1 stays inside one allocator call, so it never reaches a quiescent point.
        using var rig = new HangRig(2, "test, hotplug");
        using var inCall = new ManualResetEventSlim(false);
        using var release = new ManualResetEventSlim(false);
        using var attempted = new ManualResetEventSlim(false);
        QuiescenceTimeoutException? caught = null;
        rig.Machine.Start(
            cpu =>
            {
                var done = false;
                while (cpu.QuiescentPoint())
                {
                    if (cpu.Id == 1 && !done)
                    {
                        rig.Exec.OpBegin(1, AllocatorOp.Free, 0x40, 0);
                        inCall.Set();
                        release.Wait(HangRig.Generous);
                        rig.Exec.OpEnd(1, 0);
                        done = true;
                    }
                    else if (cpu.Id == 0 && !done && inCall.IsSet)
                    {
                        done = true;
                        try
                        {
                            rig.Machine.TakeOffline(1);
                        }
                        catch (QuiescenceTimeoutException e)
                        {
                            caught = e;
                        }
                        finally
                        {
                            attempted.Set();
                        }
                    }
                }
            },
            RunLimit.UntilStopped);
        Assert.True(attempted.Wait(HangRig.Generous), "CPU 0 never tried to take CPU 1 offline");
        var opsAtRelease = rig.Machine.Cpu(1).Operations;
        release.Set();

        // The failed offline request was withdrawn: CPU 1 runs on rather than parking offline.
        HangRig.Eventually(() => rig.Machine.Cpu(1).Operations > opsAtRelease + 100, "CPU 1 runs on");
        rig.Machine.RequestStop();
        rig.Machine.Join(HangRig.Generous);

        var e = Assert.IsType<QuiescenceTimeoutException>(caught);
        var report = Assert.IsType<StuckCpuReport>(e.Report);
        Assert.Same(report, Assert.Single(rig.Reported));
        Assert.Equal("take CPU 1 offline (from CPU 0)", report.Operation);
        Assert.Equal([1], e.Cpus);
        var stuck = Assert.Single(report.Cpus);
        Assert.Equal(1, stuck.Cpu);
        Assert.Equal(HangKind.StuckInOperation, stuck.LooksLike);
        Assert.Equal("BUG: soft lockup - CPU#1 stuck for 1s! [test, hotplug]", stuck.Text[0]);
        Assert.Contains("looks like", e.Message);
    }

    [Fact]
    public void The_final_join_and_a_wait_for_posted_work_report_the_stuck_cpu_too()
    {
        using var rig = new HangRig(2);
        using var release = new ManualResetEventSlim(false);
        using var done = new ManualResetEventSlim(false);
        rig.StartWithCpuBlockedInItsStep(0, release);

        // A coordinator waiting for work CPU 0 would run at its next quiescent point.
        Assert.False(rig.Machine.WatchedWait(done, HangRig.Threshold));
        var posted = rig.Machine.Stuck([0], "run posted work (a test) on CPU 0", HangRig.Threshold, System.Diagnostics.Stopwatch.GetTimestamp());
        rig.Machine.RequestStop();
        var joined = Assert.Throws<QuiescenceTimeoutException>(() => rig.Machine.Join(HangRig.Threshold));
        release.Set();
        rig.Machine.Join(HangRig.Generous);

        Assert.Equal("run posted work (a test) on CPU 0", posted.Report!.Operation);
        Assert.Equal([0], posted.Report.Cpus.Select(c => c.Cpu));
        Assert.Equal("end the run", joined.Report!.Operation);
        Assert.Equal([0], joined.Cpus);
        Assert.Equal([0], joined.Report.Cpus.Select(c => c.Cpu));
        Assert.Equal(2, rig.Reported.Count);
    }
}
