using PcpTestbed.Execution.Cpus;
using PcpTestbed.Execution.Virtual;
using static PcpTestbed.Execution.Tests.Virtual.TestCosts;

namespace PcpTestbed.Execution.Tests.Virtual;

/// <summary>The scheduler: earliest clock first, budgets and virtual deadlines, coordinator actions and hotplug between steps.</summary>
public class VirtualMachineTests
{
    [Fact]
    public void The_cpu_with_the_earliest_clock_runs_next_and_ties_go_to_the_lower_id()
    {
        var m = new VirtualMachine(3, Costs);
        var order = new List<(int Cpu, long AtNs)>();
        long[] costNs = [30, 20, 20];

        m.Run(cpu =>
        {
            order.Add((cpu, m.NowNs(cpu)));
            m.Charge(cpu, costNs[cpu]);
            return true;
        }, RunLimit.Operations(3));

        Assert.Equal(
            [(0, 0L), (1, 0L), (2, 0L), (1, 20L), (2, 20L), (0, 30L), (1, 40L), (2, 40L), (0, 60L)],
            order);
    }

    [Fact]
    public void A_virtual_duration_stops_the_run_once_the_earliest_clock_reaches_it()
    {
        var m = new VirtualMachine(4, Costs);

        var run = m.Run(cpu =>
        {
            m.Charge(cpu, 100 + (cpu * 10));
            return true;
        }, RunLimit.For(TimeSpan.FromMicroseconds(10)));

        // Every CPU ran until its clock reached 10 µs; none started a step at or after it.
        Assert.All(Enumerable.Range(0, 4), cpu => Assert.InRange(m.NowNs(cpu), 10_000, 10_000 + 130 - 1));
        Assert.Equal([100, 91, 84, 77], run.StepsPerCpu);
    }

    [Fact]
    public void Periodic_actions_run_between_steps_once_every_cpu_has_reached_their_time()
    {
        var m = new VirtualMachine(3, Costs);
        var seen = new List<(long AtNs, long EarliestCpuNs)>();
        m.Every(1000, () => seen.Add((m.ElapsedNs, Enumerable.Range(0, 3).Min(m.NowNs))));

        m.Run(cpu =>
        {
            m.Charge(cpu, 70 * (cpu + 1));
            return true;
        }, RunLimit.For(TimeSpan.FromMicroseconds(5)));

        Assert.Equal([1000L, 2000, 3000, 4000], seen.Select(s => s.AtNs));
        Assert.All(seen, s => Assert.True(s.EarliestCpuNs >= s.AtNs, $"an action at {s.AtNs} ns ran while a CPU was at {s.EarliestCpuNs} ns"));
    }

    [Fact]
    public void An_offline_cpu_runs_no_steps_and_comes_back_at_the_machines_time()
    {
        var m = new VirtualMachine(2, Costs);
        var stepsAt = new List<(int Cpu, long AtNs)>();
        m.At(500, () => m.TakeOffline(1));
        m.At(2000, () => m.BringOnline(1));

        m.Run(cpu =>
        {
            stepsAt.Add((cpu, m.NowNs(cpu)));
            m.Charge(cpu, 100);
            return true;
        }, RunLimit.For(TimeSpan.FromMicroseconds(3)));

        var cpu1 = stepsAt.Where(s => s.Cpu == 1).Select(s => s.AtNs).ToList();
        Assert.DoesNotContain(cpu1, at => at > 500 && at < 2000);
        Assert.Contains(2000L, cpu1);
        Assert.Equal(VirtualCpuState.Runnable, m.State(1));
    }

    [Fact]
    public void With_every_cpu_offline_time_jumps_to_the_action_that_brings_one_back()
    {
        var m = new VirtualMachine(1, Costs);
        var stepsAt = new List<long>();
        m.At(100, () => m.TakeOffline(0));
        m.At(5000, () => m.BringOnline(0));

        m.Run(cpu =>
        {
            stepsAt.Add(m.NowNs(cpu));
            m.Charge(cpu, 100);
            return m.NowNs(cpu) < 5200;
        }, RunLimit.UntilStopped);

        Assert.Equal([0L, 5000, 5100], stepsAt);
    }

    [Fact]
    public void Work_run_as_a_cpu_from_a_coordinator_action_is_timed_on_that_cpu()
    {
        var m = new VirtualMachine(2, Costs);
        long ranAt = -1;
        m.At(1000, () => m.RunAs(1, () =>
        {
            ranAt = m.NowNs(1);
            m.Charge(1, 50);
        }));

        m.Run(cpu =>
        {
            m.Charge(cpu, cpu == 0 ? 100 : 400);
            return true;
        }, RunLimit.For(TimeSpan.FromMicroseconds(2)));

        // CPU 1's clock was at 1200 ns (its step from 800 ns ran past the action's time): the work starts there.
        Assert.Equal(1200, ranAt);
    }

    [Fact]
    public void A_step_cannot_charge_another_cpu()
    {
        var m = new VirtualMachine(2, Costs);

        Assert.Throws<InvalidOperationException>(() => new Script(2).On(0, () => m.Charge(1, 5)).Run(m));
    }

    [Fact]
    public void Stop_ends_the_run_after_the_step_that_asks()
    {
        var m = new VirtualMachine(2, Costs);

        var run = m.Run(cpu =>
        {
            m.Charge(cpu, 10);
            if (m.NowNs(cpu) >= 50)
            {
                m.Stop();
            }

            return true;
        }, RunLimit.UntilStopped);

        Assert.Equal(9, run.Steps);
        Assert.Equal(Ps(50), m.NowPs(0));
    }
}
