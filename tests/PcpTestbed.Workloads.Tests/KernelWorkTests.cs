using PcpTestbed.Execution.Cpus;
using PcpTestbed.Execution.Virtual;
using PcpTestbed.Workloads.Tests.Support;
using PcpTestbed.Workloads.Work;

namespace PcpTestbed.Workloads.Tests;

/// <summary>The kernel-work engines and the facade the workloads charge through, without a run.</summary>
public class KernelWorkTests
{
    private static readonly HostWorkCalibration Calibration = HostWorkCalibration.Shared;

    [Fact]
    public void The_host_engine_really_clears_the_page_of_the_cpu_that_clears()
    {
        var host = new HostKernelWork(cpus: 2, Calibration);
        host.Page(0).Fill(0xA5);
        host.Page(1).Fill(0x5A);

        host.ClearPage(0, ns: 300);

        Assert.Equal(HostKernelWork.PageBytes, host.Page(0).Length);
        Assert.True(host.Page(0).IndexOfAnyExcept((byte)0) < 0, "CPU 0's page was not cleared");
        Assert.True(host.Page(1).IndexOfAnyExcept((byte)0x5A) < 0, "CPU 1's page was touched");
    }

    [Fact]
    public void Interrupt_work_is_owed_by_its_target_until_the_target_takes_it()
    {
        var host = new HostKernelWork(cpus: 3, Calibration);

        host.Interrupt(2, KernelWorkItem.ShootdownIpi, 800);
        host.Interrupt(2, KernelWorkItem.ShootdownIpi, 800);

        Assert.Equal(1600, host.OwedNs(2));
        Assert.Equal(0, host.OwedNs(1));
        host.TakeInterrupts(2);
        Assert.Equal(0, host.OwedNs(2));
    }

    [Fact]
    public void A_host_engine_without_a_calibration_refuses_to_charge()
    {
        var host = new HostKernelWork(cpus: 1, calibration: null);

        host.Idle(0);
        Assert.Throws<InvalidOperationException>(() => host.Spend(0, KernelWorkItem.Fault, 900));
        Assert.Throws<InvalidOperationException>(() => host.ClearPage(0, 300));
    }

    [Fact]
    public void The_facade_at_scale_0_makes_no_engine_call_but_idle()
    {
        var engine = new CountingKernelWork(cpus: 2);
        var work = new KernelWork(engine, scale: 0, cpus: 2, interrupted: _ => Assert.Fail("an interrupt was raised"));

        work.Fault(0, order: 3);
        work.Unmap(0, 100);
        work.TlbFlush(1);
        work.Madvise(1, 50, firstTarget: 0, targets: 1);
        work.Receive(0, 4);
        work.Consume(1, 4);
        work.Idle(0);

        Assert.False(work.Charges);
        Assert.Equal(0, engine.Charges);
        Assert.Equal(1, engine.IdleSteps);
        Assert.All(KernelWorkItems.All, item => Assert.Equal((0L, 0L), work.Charged(item)));
    }

    [Fact]
    public void A_fault_of_a_folio_clears_each_of_its_pages_and_a_madvise_interrupts_each_target()
    {
        var engine = new CountingKernelWork(cpus: 4);
        var raised = new List<int>();
        var work = new KernelWork(engine, scale: 1, cpus: 4, interrupted: raised.Add);

        work.Fault(3, order: 2);
        work.Madvise(3, pages: 10, firstTarget: 0, targets: 3);

        var cost = KernelWorkCosts.Published;
        Assert.Equal(1, engine.Calls(KernelWorkItem.ClearPage, cpu: 3));
        Assert.Equal(4 * (long)cost.ClearPageNs, engine.Ns(KernelWorkItem.ClearPage, cpu: 3));
        Assert.Equal((4L, 4 * (long)cost.ClearPageNs), work.Charged(3, KernelWorkItem.ClearPage));
        Assert.Equal(10 * (long)cost.MadvisePageNs, engine.Ns(KernelWorkItem.MadvisePage, cpu: 3));
        Assert.Equal([0, 1, 2], raised);
        Assert.All(raised, t => Assert.Equal((long)cost.ShootdownIpiNs, engine.InterruptNsSent(t)));
        Assert.Equal((3L, 3 * (long)cost.ShootdownIpiNs), work.Charged(3, KernelWorkItem.ShootdownIpi));
        Assert.Equal(1, engine.Calls(KernelWorkItem.ShootdownWait, cpu: 3));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_scale_must_be_finite_and_not_negative(double scale)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new KernelWork(new CountingKernelWork(1), scale, cpus: 1));
    }

    [Fact]
    public void The_published_costs_are_the_cost_tables()
    {
        var cost = KernelWorkCosts.Published;

        // The README's "Per-page work" table: change both together.
        Assert.Equal(
            [900, 300, 100, 100, 700, 150, 2000, 800, 400, 400],
            KernelWorkItems.All.Select(item => cost[item]));
    }

    [Fact]
    public void In_virtual_time_each_item_is_a_charge_to_the_cpus_own_clock_and_an_ipi_is_paid_by_its_target()
    {
        var machine = new VirtualMachine(2, CostModel.Default);
        var work = new KernelWork(new VirtualKernelWork(machine), scale: 1, cpus: 2);
        var cost = KernelWorkCosts.Published;

        // Both clocks start at 0; CPU 0 runs first (ties go to the lower id), so its IPI is owed when CPU 1 runs.
        machine.Run(
            cpu =>
            {
                if (cpu == 0)
                {
                    work.Fault(0);
                    work.Madvise(0, pages: 10, firstTarget: 1, targets: 1);
                }
                else
                {
                    work.TakeInterrupts(1);
                    work.Idle(1);
                }

                return false;
            },
            new RunLimit(OperationsPerCpu: 1));

        Assert.Equal((long)(cost.FaultNs + cost.ClearPageNs + cost.MadviseNs + (10 * cost.MadvisePageNs) + cost.ShootdownWaitNs), machine.NowNs(0));
        Assert.Equal((long)cost.ShootdownIpiNs + VirtualKernelWork.DefaultIdleNs, machine.NowNs(1));
    }

    [Fact]
    public void The_mmu_gather_holds_9698_pages_and_a_page_frag_serves_4_packets_at_order_1()
    {
        Assert.Equal(9_698, MmuGather.MaxPages);
        Assert.Equal(2, PageFrag.Packets(0));
        Assert.Equal(4, PageFrag.Packets(1));
        Assert.Equal(17, PageFrag.Packets(3));
    }
}
