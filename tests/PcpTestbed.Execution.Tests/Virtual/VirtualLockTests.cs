using PcpTestbed.Execution.Locking;
using PcpTestbed.Execution.Virtual;
using PcpTestbed.Model.Sync;
using static PcpTestbed.Execution.Tests.Virtual.TestCosts;

namespace PcpTestbed.Execution.Tests.Virtual;

/// <summary>Spin locks in virtual time: FIFO handover, trylock against exact intervals, and the counted approximation.</summary>
public class VirtualLockTests
{
    private readonly PaddedSpinLock[] _locks = new PaddedSpinLock[1];

    public VirtualLockTests() => _locks[0].Value = new EmuSpinLock(LockClass.Pcp, 0);

    private ref EmuSpinLock L => ref _locks[0].Value;

    /// <summary>CPU 0 takes the lock at 0 and holds it 1000 ns: busy over [10, 1011) ns (lock 10, unlock 1).</summary>
    private Script HolderOnCpu0(VirtualMachine m, VirtualExecution<NoLockProbe> exec, int cpus) =>
        new Script(cpus).On(0, () =>
        {
            exec.Lock(ref L, 0, LockSite.PcpDrain);
            m.Charge(0, 1000);
            exec.Unlock(ref L, 0);
        });

    [Fact]
    public void Waiters_are_handed_the_lock_in_order_of_arrival_not_of_cpu_id()
    {
        var m = new VirtualMachine(3, Costs);
        var exec = new VirtualExecution<NoLockProbe>(m, default);
        var acquired = new long[3];

        // CPU 2 reaches the lock at 20 ns, CPU 1 at 50 ns, both while CPU 0 holds it: CPU 2 must go first.
        var script = HolderOnCpu0(m, exec, 3)
            .On(1, () => m.Charge(1, 50))
            .On(2, () => m.Charge(2, 20));
        foreach (var cpu in new[] { 1, 2 })
        {
            var c = cpu;
            script.On(c, () =>
            {
                exec.Lock(ref L, c, LockSite.PcpDrain);
                acquired[c] = m.NowPs(c);
                m.Charge(c, 10);
                exec.Unlock(ref L, c);
            });
        }

        script.Run(m);

        // CPU 0 releases at 1011; each waiter holds the lock after the handover and the lock's lines from the last holder.
        var cpu2Acquired = Ps(1011 + HandoverNs + (PcpLines * TransferNs));
        Assert.Equal(cpu2Acquired, acquired[2]);
        var cpu2Release = cpu2Acquired + Ps(10 + UnlockNs);
        Assert.Equal(cpu2Release + Ps(HandoverNs + (PcpLines * TransferNs)), acquired[1]);
        var stats = m.LockStats()[(int)LockClass.Pcp];
        Assert.Equal(2, stats.Contentions);
        Assert.Equal(0, stats.OutOfOrderGrants);
    }

    [Fact]
    public void A_later_arrival_that_ran_first_keeps_the_lock_and_the_overtaken_grant_is_counted_with_its_delay()
    {
        var m = new VirtualMachine(3, Costs);
        var exec = new VirtualExecution<NoLockProbe>(m, default);
        var acquired = new long[3];

        // Both steps start at 0 and CPU 1 runs first (lower id), but CPU 2 reaches the lock earlier (100 ns against 200 ns).
        var script = HolderOnCpu0(m, exec, 3);
        foreach (var (cpu, arrivalNs) in new[] { (1, 200L), (2, 100L) })
        {
            var c = cpu;
            var at = arrivalNs;
            script.On(c, () =>
            {
                m.Charge(c, at);
                exec.Lock(ref L, c, LockSite.PcpDrain);
                acquired[c] = m.NowPs(c);
                m.Charge(c, 10);
                exec.Unlock(ref L, c);
            });
        }

        script.Run(m);

        var bounce = HandoverNs + (PcpLines * TransferNs);
        Assert.Equal(Ps(1011 + bounce), acquired[1]);
        var cpu1Release = Ps(1011 + bounce + 10 + UnlockNs);
        Assert.Equal(cpu1Release + Ps(bounce), acquired[2]);

        // Arrival order would have handed CPU 2 the lock at CPU 0's release (1011 ns); it got it at CPU 1's.
        var stats = m.LockStats()[(int)LockClass.Pcp];
        Assert.Equal(1, stats.OutOfOrderGrants);
        Assert.Equal((cpu1Release / 1000) - 1011, stats.OutOfOrderDelayNs);
        Assert.Equal(0, stats.DeferredTrylocks);
    }

    [Theory]
    [InlineData(10, false)] // the first instant of the hold
    [InlineData(500, false)]
    [InlineData(1010, false)] // the last instant before the release
    [InlineData(1011, true)] // the release itself: free
    [InlineData(5000, true)]
    public void A_trylock_fails_exactly_when_the_lock_is_held_at_that_instant(long atNs, bool expectTaken)
    {
        var m = new VirtualMachine(2, Costs);
        var exec = new VirtualExecution<NoLockProbe>(m, default);
        var taken = false;
        long after = 0;
        HolderOnCpu0(m, exec, 2).On(1, () =>
        {
            m.Charge(1, atNs);
            taken = exec.TryLock(ref L, 1, LockSite.PcpAlloc);
            after = m.NowPs(1);
            if (taken)
            {
                exec.Unlock(ref L, 1);
            }
        }).Run(m);

        Assert.Equal(expectTaken, taken);
        var bounce = PcpLines * TransferNs;
        Assert.Equal(Ps(atNs + (expectTaken ? TrylockNs + bounce : TrylockFailNs + TransferNs)), after);
        var stats = m.LockStats()[(int)LockClass.Pcp];
        Assert.Equal(expectTaken ? 0 : 1, stats.TrylockFailures);
        Assert.Equal(0, stats.DeferredTrylocks);
    }

    [Fact]
    public void A_trylock_that_finds_the_lock_free_before_a_hold_recorded_by_an_earlier_step_succeeds_after_it_and_is_counted()
    {
        var m = new VirtualMachine(2, Costs);
        var exec = new VirtualExecution<NoLockProbe>(m, default);
        var taken = false;
        long acquired = 0;

        // CPU 0's hold is busy from 10 ns; CPU 1 tries at 9 ns, when the lock is still free.
        HolderOnCpu0(m, exec, 2).On(1, () =>
        {
            m.Charge(1, 9);
            taken = exec.TryLock(ref L, 1, LockSite.PcpAlloc);
            acquired = m.NowPs(1);
            exec.Unlock(ref L, 1);
        }).Run(m);

        Assert.True(taken);
        Assert.Equal(Ps(1011 + TrylockNs + (PcpLines * TransferNs)), acquired);
        var stats = m.LockStats()[(int)LockClass.Pcp];
        Assert.Equal(1, stats.DeferredTrylocks);
        Assert.Equal(1011 - 9, stats.DeferredTrylockDelayNs);
        Assert.Equal(0, stats.TrylockFailures);
    }

    [Fact]
    public void Holds_never_overlap_even_when_steps_run_out_of_virtual_order()
    {
        const int cpus = 16;
        var m = new VirtualMachine(cpus, Costs);
        var exec = new VirtualExecution<NoLockProbe>(m, default);
        var holds = new List<(long From, long To)>();
        var rng = new Random(7);
        var script = new Script(cpus);
        for (var cpu = 0; cpu < cpus; cpu++)
        {
            for (var s = 0; s < 50; s++)
            {
                var c = cpu;
                var before = rng.Next(0, 400);
                var hold = rng.Next(1, 300);
                var useTry = rng.Next(2) == 0;
                script.On(c, () =>
                {
                    m.Charge(c, before);
                    if (useTry && !exec.TryLock(ref L, c, LockSite.PcpAlloc))
                    {
                        return;
                    }

                    if (!useTry)
                    {
                        exec.Lock(ref L, c, LockSite.PcpDrain);
                    }

                    var from = m.NowPs(c);
                    m.Charge(c, hold);
                    holds.Add((from, m.NowPs(c)));
                    exec.Unlock(ref L, c);
                });
            }
        }

        script.Run(m);

        var ordered = holds.OrderBy(h => h.From).ToList();
        for (var i = 1; i < ordered.Count; i++)
        {
            Assert.True(ordered[i].From >= ordered[i - 1].To, $"holds [{ordered[i - 1].From}, {ordered[i - 1].To}) and [{ordered[i].From}, {ordered[i].To}) ps overlap");
        }

        // The mix of arrival times makes the engine depart from arrival order, and it says so.
        var stats = m.LockStats()[(int)LockClass.Pcp];
        Assert.True(stats.OutOfOrderGrants + stats.DeferredTrylocks > 0);
    }

    [Fact]
    public void Taking_a_lock_the_cpu_already_holds_is_recursive_locking()
    {
        var m = new VirtualMachine(1, Costs);
        var exec = new VirtualExecution<NoLockProbe>(m, default);

        var e = Assert.Throws<LockWaitTimeoutException>(() => new Script(1).On(0, () =>
        {
            exec.Lock(ref L, 0, LockSite.PcpDrain);
            exec.Lock(ref L, 0, LockSite.PcpDrain);
        }).Run(m));

        Assert.Contains("recursive locking", e.Message);
    }

    [Fact]
    public void A_step_that_ends_holding_a_lock_is_refused()
    {
        var m = new VirtualMachine(1, Costs);
        var exec = new VirtualExecution<NoLockProbe>(m, default);

        var e = Assert.Throws<InvalidOperationException>(() => new Script(1).On(0, () => exec.Lock(ref L, 0, LockSite.PcpDrain)).Run(m));

        Assert.Contains("pcp->lock#0", e.Message);
    }

    [Fact]
    public void A_step_may_act_only_as_its_own_cpu()
    {
        var m = new VirtualMachine(2, Costs);
        var exec = new VirtualExecution<NoLockProbe>(m, default);

        var e = Assert.Throws<InvalidOperationException>(() => new Script(2).On(0, () => exec.Lock(ref L, 1, LockSite.PcpDrain)).Run(m));

        Assert.Contains("CPU 1 inside CPU 0's step", e.Message);
    }
}
