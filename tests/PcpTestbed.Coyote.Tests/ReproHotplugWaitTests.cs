using PcpTestbed.Coyote.Dfs;
using PcpTestbed.Coyote.Repro;

namespace PcpTestbed.Coyote.Tests;

/// <summary>
/// The run's hotplug order, kept by the scripts' bounded waits: a parked CPU's next operation waits for its online (the run's
/// CPU ran nothing until it came back), and an online waits for the death it follows (the run's came after it). Each file is
/// a pageblock run with remote-count-outside-lock (<see cref="ReproCausalityTests.RoutedFree"/>): CPU 1 allocates a page in setup (its refill claims the block: CPU 1 owns
/// it), and CPU 0's script frees it after its online, a free routed to CPU 1's PCP that fails lockdep at once. So the
/// violation comes back exactly when that free runs, and it runs only when the online did and came first. Each runs one
/// iteration under our scheduler, one step per CPU in turn (a fair schedule, which no wait gives up on).
/// </summary>
public class ReproHotplugWaitTests
{
    [Fact]
    public void A_parked_cpus_operation_waits_for_its_online_instead_of_being_skipped()
    {
        // CPU 0 is offline at the window's start (its first hotplug event is its online) and runs first: its free meets it
        // parked, with CPU 1's online of it still to come.
        TheFreeRunsOnceCpu0IsOnline(
        [
            [new ReproOp { Seq = 2, Op = ReproOp.Free, Order = 0, Page = 0, Epoch = 3 }],
            [
                new ReproOp { Seq = 0, Op = ReproOp.Alloc, Order = 0, Gfp = 0xcc0, Page = 0, Epoch = 1 },
                new ReproOp { Seq = 1, Op = ReproOp.CpuOnline, Target = 0, Epoch = 2 },
            ],
        ], lead: -1);
    }

    [Fact]
    public void An_online_that_meets_its_death_still_running_waits_for_it_instead_of_being_skipped()
    {
        // CPU 0 is online at the window's start (its first hotplug event, by the epochs, is its death). CPU 1's death of CPU 0
        // runs alone until it is inside page_alloc_cpu_dead(); then CPU 2's online of CPU 0 finds it dying, and CPU 0's free
        // finds itself parked.
        TheFreeRunsOnceCpu0IsOnline(
        [
            [new ReproOp { Seq = 3, Op = ReproOp.Free, Order = 0, Page = 0, Epoch = 4 }],
            [
                new ReproOp { Seq = 0, Op = ReproOp.Alloc, Order = 0, Gfp = 0xcc0, Page = 0, Epoch = 1 },
                new ReproOp { Seq = 1, Op = ReproOp.CpuDead, Target = 0, Epoch = 2 },
            ],
            [new ReproOp { Seq = 2, Op = ReproOp.CpuOnline, Target = 0, Epoch = 3 }],
        ], lead: 1);
    }

    /// <summary>
    /// Window 1 of the routed-free file of <paramref name="operations"/>, one iteration in turn (<see cref="InTurn"/>): CPU 0
    /// ends online, and its free ran (the lockdep failure), so it waited for the online rather than being skipped.
    /// </summary>
    private static void TheFreeRunsOnceCpu0IsOnline(IReadOnlyList<IReadOnlyList<ReproOp>> operations, int lead)
    {
        var (run, violation) = ReproSetup.RunUnder(new ReproScenario(ReproCausalityTests.RoutedFree(operations), window: 1), new InTurn(lead));

        Assert.True(run.Allocator.IsOnline(0));
        Assert.StartsWith("[lockdep]", violation);
    }

    /// <summary>
    /// One step per CPU in turn, from CPU 0, over those that can run; <paramref name="lead"/> (-1: none) first runs alone until it
    /// is inside its first operation (past its start and the operation's beginning).
    /// </summary>
    private sealed class InTurn(int lead) : IScheduleChooser
    {
        private bool _led = lead < 0;

        public int Choose(DfsController controller, int index, int enabled, int previous)
        {
            if (!_led && (enabled & (1 << lead)) != 0 && controller.PendingOf(lead).Kind is PointKind.Start or PointKind.OpBegin)
            {
                return lead;
            }

            _led = true;
            for (var k = 1; k <= controller.Cpus; k++)
            {
                var cpu = (previous + k + controller.Cpus) % controller.Cpus;
                if ((enabled & (1 << cpu)) != 0)
                {
                    return cpu;
                }
            }

            throw new InvalidOperationException("no CPU enabled");
        }
    }
}
