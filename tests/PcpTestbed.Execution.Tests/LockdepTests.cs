using PcpTestbed.Execution.Cpus;
using PcpTestbed.Execution.Lockdep;
using PcpTestbed.Execution.Locking;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Tests;

/// <summary>
/// lockdep on OS threads (<see cref="LockdepExecution{TExec}"/>): each CPU's held locks, lockdep_assert_held() against
/// the current CPU, the lock-order graph with both acquisition sites, and reports of possible circular and recursive
/// locking even when no deadlock happens. Reports are kept, not thrown: the run goes on, as the kernel's lockdep does.
/// </summary>
public class LockdepTests
{
    private EmuSpinLock _zone = new(LockClass.Zone, 0);
    private EmuSpinLock _pcp0 = new(LockClass.Pcp, 0);
    private EmuSpinLock _pcp1 = new(LockClass.Pcp, 1);

    private static LockdepExecution<OsExecution<NoLockProbe>> Exec(LockdepState state) => new(new OsExecution<NoLockProbe>(default), state);

    [Fact]
    public void Two_orders_of_the_same_classes_are_reported_with_both_sites_although_nothing_deadlocked()
    {
        var state = new LockdepState(2);
        var x = Exec(state);

        Entry(x, 0, () =>
        {
            x.Lock(ref _pcp0, 0, LockSite.PcpAlloc);
            x.Lock(ref _zone, 0, LockSite.Refill);
            x.Unlock(ref _zone, 0);
            x.Unlock(ref _pcp0, 0);
        });
        Entry(x, 1, () =>
        {
            x.Lock(ref _zone, 1, LockSite.FreeBulk);
            x.Lock(ref _pcp1, 1, LockSite.PcpDrain);
            x.Unlock(ref _pcp1, 1);
            x.Unlock(ref _zone, 1);
        });

        var report = state.Snapshot();
        Assert.Equal(1, report.Reports);
        Assert.Equal("[lockdep] possible circular locking dependency detected: CPU 1 takes pcp->lock#1 at drain_pages_zone while holding " +
                     "zone->lock taken at free_pcppages_bulk, but the reverse order was seen before: CPU 0 took zone->lock at rmqueue_bulk " +
                     "while holding pcp->lock taken at rmqueue_pcplist", Assert.Single(report.Messages));
        Assert.Equal(2, report.Order.Count);
    }

    [Fact]
    public void Nestings_in_one_order_make_no_report_and_are_recorded()
    {
        var state = new LockdepState(2);
        var x = Exec(state);

        for (var cpu = 0; cpu < 2; cpu++)
        {
            var c = cpu;
            Entry(x, c, () =>
            {
                Assert.True(x.TryLock(ref c == 0 ? ref _pcp0 : ref _pcp1, c, LockSite.PcpAlloc));
                x.Lock(ref _zone, c, LockSite.Refill);
                x.AssertHeld(ref _zone, "test");
                x.Unlock(ref _zone, c);
                x.Unlock(ref c == 0 ? ref _pcp0 : ref _pcp1, c);
            });
        }

        var report = state.Snapshot();
        Assert.Equal(0, report.Reports);
        var edge = Assert.Single(report.Order);
        Assert.Equal(("pcp->lock", "rmqueue_pcplist", "zone->lock", "rmqueue_bulk", 2L), (edge.Outer, edge.OuterSite, edge.Inner, edge.InnerSite, edge.Count));
    }

    [Fact]
    public void An_assertion_on_a_lock_another_cpu_holds_is_reported_naming_lock_site_cpu_and_holder()
    {
        var state = new LockdepState(2);
        var x = Exec(state);
        x.Lock(ref _pcp1, 1, LockSite.PcpDrain);

        Entry(x, 0, () => x.AssertHeld(ref _pcp1, "PcpListAdd"));
        x.Unlock(ref _pcp1, 1);

        Assert.Equal("[lockdep] lockdep_assert_held(&pcp->lock) failed in PcpListAdd: CPU 0 does not hold pcp->lock#1; CPU 1 holds it " +
                     "(taken at drain_pages_zone)", Assert.Single(state.Snapshot().Messages));
    }

    [Fact]
    public void A_second_pcp_lock_taken_with_spin_lock_is_possible_recursive_locking_but_with_trylock_it_is_not()
    {
        var state = new LockdepState(1);
        var x = Exec(state);

        Entry(x, 0, () =>
        {
            x.Lock(ref _pcp0, 0, LockSite.PcpAlloc);
            Assert.True(x.TryLock(ref _pcp1, 0, LockSite.PcpRemoteFree));
            x.Unlock(ref _pcp1, 0);
            x.Unlock(ref _pcp0, 0);
        });
        Assert.Equal(0, state.Reports);

        Entry(x, 0, () =>
        {
            x.Lock(ref _pcp0, 0, LockSite.PcpAlloc);
            x.Lock(ref _pcp1, 0, LockSite.PcpDrain);
            x.Unlock(ref _pcp1, 0);
            x.Unlock(ref _pcp0, 0);
        });

        Assert.Equal("[lockdep] possible recursive locking detected: CPU 0 takes pcp->lock#1 at drain_pages_zone while holding pcp->lock#0 " +
                     "taken at rmqueue_pcplist (same class, no nesting annotation)", Assert.Single(state.Snapshot().Messages));
    }

    [Fact]
    public void An_entry_point_that_returns_holding_a_lock_is_reported()
    {
        var state = new LockdepState(1);
        var x = Exec(state);

        Entry(x, 0, () => x.Lock(ref _zone, 0, LockSite.Refill));

        Assert.Equal("[lockdep] CPU 0 returned from an allocator entry point still holding zone->lock taken at rmqueue_bulk",
            Assert.Single(state.Snapshot().Messages));
    }

    [Fact]
    public void Each_cpu_thread_is_checked_against_its_own_cpu()
    {
        // Four CPU threads each take their own pcp->lock and zone->lock and assert both: no report, one nesting counted per round.
        const int cpus = 4;
        const long rounds = 2000;
        var state = new LockdepState(cpus);
        var x = Exec(state);
        var pcps = new PaddedSpinLock[cpus];
        for (var c = 0; c < cpus; c++)
        {
            pcps[c].Value = new EmuSpinLock(LockClass.Pcp, c);
        }

        var zone = new PaddedSpinLock[1];
        zone[0].Value = new EmuSpinLock(LockClass.Zone, 0);
        using var machine = new CpuMachine(new CpuMachineOptions(cpus));
        machine.Run(cpu =>
        {
            var ex = x;
            while (cpu.QuiescentPoint())
            {
                ex.OpBegin(cpu.Id, AllocatorOp.Alloc, 0, 0);
                ex.Lock(ref pcps[cpu.Id].Value, cpu.Id, LockSite.PcpAlloc);
                ex.Lock(ref zone[0].Value, cpu.Id, LockSite.Refill);
                ex.AssertHeld(ref pcps[cpu.Id].Value, "test");
                ex.AssertHeld(ref zone[0].Value, "test");
                ex.Unlock(ref zone[0].Value, cpu.Id);
                ex.Unlock(ref pcps[cpu.Id].Value, cpu.Id);
                ex.OpEnd(cpu.Id, 0);
            }
        }, RunLimit.Operations(rounds));

        var report = state.Snapshot();
        Assert.Equal(0, report.Reports);
        Assert.Equal(cpus * rounds, Assert.Single(report.Order).Count);
    }

    private static void Entry(LockdepExecution<OsExecution<NoLockProbe>> x, int cpu, Action body)
    {
        x.OpBegin(cpu, AllocatorOp.Alloc, 0, 0);
        body();
        x.OpEnd(cpu, 0);
    }
}
