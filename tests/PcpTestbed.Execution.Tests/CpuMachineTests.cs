using PcpTestbed.Execution.Cpus;
using PcpTestbed.Execution.Locking;
using PcpTestbed.Execution.LockStat;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Tests;

public class CpuMachineTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(20);

    private static long TotalOperations(CpuMachine m) => Enumerable.Range(0, m.CpuCount).Sum(c => m.Cpu(c).Operations);

    /// <summary>Bounded polling for a condition the machine's CPUs make true; fails the test with <paramref name="what"/>.</summary>
    private static void Eventually(Func<bool> condition, string what) =>
        Assert.True(SpinWait.SpinUntil(condition, Generous), $"timed out waiting until {what}");

    [Fact]
    public void An_operation_budget_stops_every_cpu_after_exactly_that_many_operations()
    {
        using var m = new CpuMachine(new CpuMachineOptions(CpuCount: 6));
        var bodyOps = new long[6];

        var result = m.Run(
            cpu =>
            {
                while (cpu.QuiescentPoint())
                {
                    bodyOps[cpu.Id]++;
                }
            },
            RunLimit.Operations(12_345));

        Assert.All(bodyOps, ops => Assert.Equal(12_345, ops));
        Assert.All(result.OperationsPerCpu, ops => Assert.Equal(12_345, ops));
        Assert.Equal(6 * 12_345, result.TotalOperations);
    }

    [Fact]
    public void A_deadline_ends_a_run_without_an_operation_budget()
    {
        using var m = new CpuMachine(new CpuMachineOptions(CpuCount: 3));

        var result = m.Run(
            cpu =>
            {
                while (cpu.QuiescentPoint())
                {
                }
            },
            RunLimit.For(TimeSpan.FromMilliseconds(100)));

        Assert.InRange(result.Elapsed, TimeSpan.FromMilliseconds(100), Generous);
        Assert.All(result.OperationsPerCpu, ops => Assert.True(ops > 0));
    }

    [Fact]
    public void Sixty_four_cpus_run_on_any_host_and_the_run_says_whether_it_was_oversubscribed()
    {
        const int cpus = 64;
        const long opsPerCpu = 2_000;
        var recorder = new LockStatRecorder(cpus);
        var exec = new OsExecution<LockStatProbe>(new LockStatProbe(recorder));
        var locks = new PaddedSpinLock[1];
        locks[0].Value = new EmuSpinLock(LockClass.Zone, 0);
        var counter = new long[1];
        using var m = new CpuMachine(new CpuMachineOptions(cpus));

        var result = m.Run(
            cpu =>
            {
                while (cpu.QuiescentPoint())
                {
                    exec.Lock(ref locks[0].Value, cpu.Id, LockSite.Refill);
                    counter[0]++;
                    exec.Unlock(ref locks[0].Value, cpu.Id);
                }
            },
            RunLimit.Operations(opsPerCpu));

        Assert.Equal(cpus * opsPerCpu, counter[0]);
        Assert.Equal(cpus > m.HostCores, result.Oversubscribed);
        Assert.Equal(cpus * opsPerCpu, recorder.Snapshot().Class(LockClass.Zone).Acquisitions);
    }

    [Theory]
    [InlineData(4, 30)]
    [InlineData(64, 5)]
    public void Stop_the_world_parks_every_cpu_so_the_callback_sees_a_consistent_state_and_the_run_continues(int cpus, int stops)
    {

        // Each operation adds 1 twice, with a gap between: the sum is odd only while some CPU is inside one.
        var shared = new long[1];
        using var m = new CpuMachine(new CpuMachineOptions(cpus));
        m.Start(
            cpu =>
            {
                while (cpu.QuiescentPoint())
                {
                    Interlocked.Increment(ref shared[0]);
                    Thread.SpinWait(50);
                    Interlocked.Increment(ref shared[0]);
                }
            },
            RunLimit.UntilStopped);

        for (var i = 0; i < stops; i++)
        {
            long opsAtStop = 0;
            m.StopTheWorld(() =>
            {
                var seen = Volatile.Read(ref shared[0]);
                opsAtStop = TotalOperations(m);
                Assert.Equal(0, seen % 2);
                Assert.All(Enumerable.Range(0, cpus), c => Assert.Equal(CpuState.Parked, m.State(c)));

                // Parked means parked: nothing moves while the callback runs.
                Thread.SpinWait(20_000);
                Assert.Equal(seen, Volatile.Read(ref shared[0]));
                Assert.Equal(opsAtStop, TotalOperations(m));
            });

            Eventually(() => TotalOperations(m) > opsAtStop + cpus, $"the CPUs ran again after stop {i}");
        }

        m.RequestStop();
        var result = m.Join(Generous);
        Assert.Equal(2 * result.TotalOperations, shared[0]);
    }

    [Fact]
    public void Stop_the_world_names_the_cpu_that_never_reaches_a_quiescent_point_and_releases_the_others()
    {
        using var stuck = new ManualResetEventSlim(false);
        using var cpu1Stuck = new ManualResetEventSlim(false);
        using var m = new CpuMachine(new CpuMachineOptions(CpuCount: 3, QuiescenceTimeout: TimeSpan.FromMilliseconds(300)));
        m.Start(
            cpu =>
            {
                while (cpu.QuiescentPoint())
                {
                    if (cpu.Id == 1)
                    {
                        // An operation that never ends, e.g. a livelock inside the allocator.
                        cpu1Stuck.Set();
                        stuck.Wait(Generous);
                    }
                }
            },
            RunLimit.UntilStopped);
        Assert.True(cpu1Stuck.Wait(Generous), "CPU 1 never started its operation");
        Eventually(() => m.Cpu(0).Operations > 0, "CPU 0 ran");

        var e = Assert.Throws<QuiescenceTimeoutException>(() => m.StopTheWorld(() => Assert.Fail($"ran without CPU 1 parked: {m.State(0)} {m.State(1)} {m.State(2)} ops {m.Cpu(1).Operations}")));

        Assert.Equal([1], e.Cpus);
        Assert.Contains("CPU 1 (Running", e.Message);
        var ops = m.Cpu(0).Operations;
        Eventually(() => m.Cpu(0).Operations > ops, "CPU 0 was released after the failed stop");
        stuck.Set();
        m.RequestStop();
        m.Join(Generous);
    }

    [Fact]
    public void Finished_cpus_do_not_hold_up_stop_the_world()
    {
        using var m = new CpuMachine(new CpuMachineOptions(CpuCount: 3, QuiescenceTimeout: TimeSpan.FromSeconds(5)));
        m.Start(
            cpu =>
            {
                while (cpu.Id != 2 && cpu.QuiescentPoint())
                {
                }
            },
            RunLimit.UntilStopped);
        Eventually(() => m.State(2) == CpuState.Finished, "CPU 2 finished");

        var ran = false;
        m.StopTheWorld(() => ran = true);

        Assert.True(ran);
        m.RequestStop();
        m.Join(Generous);
    }

    [Fact]
    public void An_offline_cpu_runs_no_operation_and_does_not_hold_up_stop_the_world_until_brought_online()
    {
        using var m = new CpuMachine(new CpuMachineOptions(CpuCount: 3));
        m.Start(
            cpu =>
            {
                while (cpu.QuiescentPoint())
                {
                }
            },
            RunLimit.UntilStopped);

        m.TakeOffline(1);
        var offlineOps = m.Cpu(1).Operations;
        Assert.Equal(CpuState.Offline, m.State(1));
        var cpu0 = m.Cpu(0).Operations;
        Eventually(() => m.Cpu(0).Operations > cpu0 + 100_000, "CPU 0 kept running");
        var ran = false;
        m.StopTheWorld(() => ran = true);
        Assert.True(ran);
        Assert.Equal(offlineOps, m.Cpu(1).Operations);
        Assert.Equal(CpuState.Offline, m.State(1));

        m.BringOnline(1);

        Eventually(() => m.Cpu(1).Operations > offlineOps, "CPU 1 ran again once online");
        m.RequestStop();
        m.Join(Generous);
    }

    [Fact]
    public void A_cpu_taken_offline_before_start_runs_nothing_until_brought_online()
    {
        using var m = new CpuMachine(new CpuMachineOptions(CpuCount: 2));
        m.TakeOffline(0);
        m.Start(
            cpu =>
            {
                while (cpu.QuiescentPoint())
                {
                }
            },
            RunLimit.Operations(1_000));
        Eventually(() => m.State(1) == CpuState.Finished && m.State(0) == CpuState.Offline, "CPU 1 finished with CPU 0 offline");

        Assert.Equal(0, m.Cpu(0).Operations);
        m.BringOnline(0);
        var result = m.Join(Generous);
        Assert.Equal([1_000L, 1_000L], result.OperationsPerCpu);
    }

    [Fact]
    public void All_finished_holds_only_once_every_cpu_has_finished_one_a_stop_reached_before_its_body_included()
    {
        using var m = new CpuMachine(new CpuMachineOptions(CpuCount: 2));
        var bodies = new int[2];
        Assert.False(m.AllFinished);
        m.TakeOffline(0);
        m.Start(
            cpu =>
            {
                bodies[cpu.Id]++;
                while (cpu.QuiescentPoint())
                {
                }
            },
            RunLimit.Operations(1_000));
        Eventually(() => m.State(1) == CpuState.Finished && m.State(0) == CpuState.Offline, "CPU 1 finished with CPU 0 offline");

        // CPU 0 waits offline before its body: not finished.
        Assert.False(m.AllFinished);

        m.RequestStop();
        Eventually(() => m.AllFinished, "every CPU finished once stopped");
        Assert.Equal(CpuState.Finished, m.State(0));
        m.Join(Generous);
        Assert.Equal([0, 1], bodies);
    }

    [Fact]
    public void A_cpu_takes_another_offline_from_its_body_which_returns_once_the_victim_is_parked_and_brings_it_back()
    {
        // CPU 0 plays the hotplug control task: between its operations it takes CPU 1 offline, and CPU 1 runs nothing while
        // CPU 0 counts 10,000 operations of its own; then CPU 0 brings it back and CPU 1 runs again.
        using var m = new CpuMachine(new CpuMachineOptions(CpuCount: 2));
        long parkedAt = -1, afterwards = -1;
        var state = CpuState.NotStarted;
        m.Start(
            cpu =>
            {
                while (cpu.QuiescentPoint())
                {
                    if (cpu.Id == 0 && cpu.Operations == 1_000)
                    {
                        m.TakeOffline(1);
                        state = m.State(1);
                        parkedAt = m.Cpu(1).Operations;
                    }

                    if (cpu.Id == 0 && cpu.Operations == 11_000)
                    {
                        // Published (with state and parkedAt before it) to the test thread, which waits for it.
                        Volatile.Write(ref afterwards, m.Cpu(1).Operations);
                        m.BringOnline(1);
                    }
                }
            },
            RunLimit.UntilStopped);

        Eventually(() => Volatile.Read(ref afterwards) >= 0 && m.Cpu(1).Operations > Volatile.Read(ref afterwards), "CPU 1 ran again once back online");
        m.RequestStop();
        m.Join(Generous);

        Assert.True(state is CpuState.Offline or CpuState.Parked, $"CPU 1 was {state} when TakeOffline returned");
        Assert.Equal(parkedAt, afterwards);
    }

    [Fact]
    public void A_cpu_cannot_take_itself_offline_from_its_own_body()
    {
        using var m = new CpuMachine(new CpuMachineOptions(CpuCount: 2));
        m.Start(cpu => m.TakeOffline(cpu.Id), RunLimit.UntilStopped);

        var e = Assert.Throws<AggregateException>(() => m.Join(Generous));

        Assert.Contains("cannot take itself offline", e.Message);
    }

    [Fact]
    public void A_faulting_cpu_ends_the_run_and_join_rethrows_its_exception()
    {
        using var m = new CpuMachine(new CpuMachineOptions(CpuCount: 4));
        m.Start(
            cpu =>
            {
                while (cpu.QuiescentPoint())
                {
                    if (cpu.Id == 2 && cpu.Operations == 1_000)
                    {
                        throw new InvalidOperationException("bad page");
                    }
                }
            },
            RunLimit.UntilStopped);

        var e = Assert.Throws<AggregateException>(() => m.Join(Generous));

        Assert.Contains("CPU 2: bad page", e.Message);
        Assert.IsType<InvalidOperationException>(Assert.Single(e.InnerExceptions));
    }

    [Fact]
    public void A_faulting_cpu_reports_its_fault_on_its_own_thread_before_the_others_are_told_to_stop()
    {
        // The flight recorder cuts its window in OnFault: the others still running there is what keeps an audit that the
        // stop lets run from cutting it first. So the hook waits for CPU 0 to go on: after a stop request it never would.
        var bodyThread = new int[4];
        (int Cpu, Exception Fault, int Thread, bool OthersRan)? seen = null;
        CpuMachine m = null!;
        m = new CpuMachine(new CpuMachineOptions(CpuCount: 4)
        {
            OnFault = (cpu, e) =>
            {
                var from = m.Cpu(0).Operations;
                var othersRan = SpinWait.SpinUntil(() => m.Cpu(0).Operations >= from + 100, Generous);
                seen = (cpu, e, Environment.CurrentManagedThreadId, othersRan);
            },
        });
        using (m)
        {
            m.Start(
                cpu =>
                {
                    bodyThread[cpu.Id] = Environment.CurrentManagedThreadId;
                    while (cpu.QuiescentPoint())
                    {
                        if (cpu.Id == 2 && cpu.Operations == 1_000)
                        {
                            throw new InvalidOperationException("bad page");
                        }
                    }
                },
                RunLimit.UntilStopped);

            var e = Assert.Throws<AggregateException>(() => m.Join(Generous));

            Assert.NotNull(seen);
            Assert.Equal(2, seen.Value.Cpu);
            Assert.Same(Assert.Single(e.InnerExceptions), seen.Value.Fault);
            Assert.Equal(bodyThread[2], seen.Value.Thread);
            Assert.True(seen.Value.OthersRan, "CPU 0 had been told to stop before the fault was reported");
        }
    }

    [Fact]
    public void A_cpu_cannot_stop_the_world_from_its_own_body()
    {
        using var m = new CpuMachine(new CpuMachineOptions(CpuCount: 1));
        m.Start(cpu => m.StopTheWorld(() => { }), RunLimit.UntilStopped);

        var e = Assert.Throws<AggregateException>(() => m.Join(Generous));

        Assert.Contains("cannot stop the world from inside its body", e.Message);
    }

    [Fact]
    public void Pinning_restricts_each_cpu_thread_to_host_core_i_mod_the_host_cores()
    {
        if (!HostAffinity.IsSupported)
        {
            Assert.Throws<PlatformNotSupportedException>(() => new CpuMachine(new CpuMachineOptions(2, Pin: true)));
            return;
        }

        var cpus = 2 * HostAffinity.GetCurrentThreadAffinity().Length;
        var seen = new int[cpus][];
        using var m = new CpuMachine(new CpuMachineOptions(cpus, Pin: true));

        var result = m.Run(cpu => seen[cpu.Id] = HostAffinity.GetCurrentThreadAffinity(), RunLimit.UntilStopped);

        Assert.True(result.Pinned);
        for (var cpu = 0; cpu < cpus; cpu++)
        {
            Assert.Equal([m.HostCpus[cpu % m.HostCores]], seen[cpu]);
        }

        Assert.Equal(m.HostCpus, HostAffinity.GetCurrentThreadAffinity());
    }
}
