using PcpTestbed.Designs;
using PcpTestbed.Model;
using PcpTestbed.Workloads.Kinds;
using PcpTestbed.Workloads.Run;
using PcpTestbed.Workloads.Tests.Support;
using PcpTestbed.Workloads.Work;
using Xunit.Abstractions;

namespace PcpTestbed.Workloads.Tests;

/// <summary>
/// Each workload charges the kernel work of the path it stands for around each allocator call, and frees through
/// free_unref_folios() where that path does (munmap, MADV_DONTNEED, exit) and one chunk at a time where it does not
/// (a page_frag, the mixed bag). A counting engine sees every charge; it spends no time.
/// </summary>
public class KernelWorkRunTests(ITestOutputHelper output)
{
    private static readonly KernelWorkCosts Cost = KernelWorkCosts.Published;

    /// <summary>page-fault on one CPU, 20,000 pages a run: the faults, then the munmap in gathers of 9,698, 9,698 and 604 pages.</summary>
    private const int RunLength = 20_000;

    /// <summary>Folio batches of one such munmap: ceil(9698 / 31) twice and ceil(604 / 31).</summary>
    private const int UnmapBatches = 313 + 313 + 20;

    private static (RunOptions Options, CountingKernelWork Work) Counted(RunOptions options)
    {
        var work = new CountingKernelWork(options.Cpus);
        return (options with { KernelWorkEngine = _ => work }, work);
    }

    private static RunOptions Budgeted(WorkloadKind workload, long steps, int freeBatch = PageAlloc.PagevecSize) =>
        Runs.Options(DesignKind.Mainline, workload, cpus: 1) with
        {
            Duration = null,
            OperationsPerCpu = steps,
            FreeBatch = freeBatch,
            Parameters = new WorkloadParameters { RunLength = RunLength },
        };

    [Fact]
    public void A_page_fault_cycle_charges_a_fault_and_a_clear_per_page_and_its_munmap_per_gather()
    {
        var (options, work) = Counted(Budgeted(WorkloadKind.PageFault, RunLength + UnmapBatches));

        var run = Runs.Run(options, output);
        var r = run.Result;

        Runs.AssertClean(run, minAudits: 2);
        Assert.Equal(1, r.WorkloadCounters.Cycles);
        Assert.Equal(RunLength, r.Allocations);
        Assert.Equal(RunLength, r.Frees);

        // The fault path and clear_page() of every faulted page.
        Assert.Equal(RunLength, work.Calls(KernelWorkItem.Fault));
        Assert.Equal(RunLength * (long)Cost.FaultNs, work.Ns(KernelWorkItem.Fault));
        Assert.Equal(RunLength, work.Calls(KernelWorkItem.ClearPage));
        Assert.Equal(RunLength * (long)Cost.ClearPageNs, work.Ns(KernelWorkItem.ClearPage));

        // The munmap: the zap of every page, charged per gather, and one TLB flush per gather.
        Assert.Equal(3, work.Calls(KernelWorkItem.UnmapPage));
        Assert.Equal(RunLength * (long)Cost.UnmapPageNs, work.Ns(KernelWorkItem.UnmapPage));
        Assert.Equal(3, work.Calls(KernelWorkItem.TlbFlush));
        Assert.Equal(0, work.Calls(KernelWorkItem.Madvise) + work.Calls(KernelWorkItem.PacketReceive));

        // The run's own tally says the same.
        Assert.Equal(RunLength, r.Work!.Charged["fault"].Count);
        Assert.Equal(RunLength, r.Work.Charged["unmapPage"].Count);
        Assert.Equal((long)Cost.ClearPageNs, r.Work.ChargesNs["clearPage"]);
    }

    [Fact]
    public void The_munmap_frees_a_folio_batch_per_free_unref_folios_call_with_one_pcp_lock_hold_each()
    {
        var (options, _) = Counted(Budgeted(WorkloadKind.PageFault, RunLength + UnmapBatches));

        var r = Runs.Run(options, output).Result;

        // One CPU: every batch is bound for its own PCP, a single same-PCP run, one pcp->lock hold.
        Assert.Equal(UnmapBatches, r.Allocator.FreeBatches);
        Assert.Equal(UnmapBatches, r.Allocator.FreeBatchPcpLocks);
        var site = r.Locks.Single(l => l.Name == "pcp->lock").Sites.Single(s => s.Name == "free_unref_folios");
        Assert.Equal(UnmapBatches, site.Acquisitions);
        Assert.Equal(PageAlloc.PagevecSize, r.FreeBatch);
    }

    [Fact]
    public void A_free_batch_of_one_frees_each_page_with_its_own_call_as_before_batching()
    {
        var (options, work) = Counted(Budgeted(WorkloadKind.PageFault, 2 * RunLength, freeBatch: 1));

        var run = Runs.Run(options, output);
        var r = run.Result;

        Runs.AssertClean(run, minAudits: 2);
        Assert.Equal(1, r.WorkloadCounters.Cycles);
        Assert.Equal(RunLength, r.Frees);
        Assert.Equal(0, r.Allocator.FreeBatches);
        Assert.Equal(0, r.Allocator.FreeBatchPcpLocks);
        Assert.DoesNotContain(r.Locks.Single(l => l.Name == "pcp->lock").Sites, s => s.Name.StartsWith("free_unref_folios", StringComparison.Ordinal));

        // The kernel work does not depend on how the pages reach the allocator.
        Assert.Equal(RunLength * (long)Cost.UnmapPageNs, work.Ns(KernelWorkItem.UnmapPage));
        Assert.Equal(1, r.FreeBatch);
    }

    [Fact]
    public void A_purge_charges_refaults_on_the_application_cpus_and_each_madvise_its_zap_and_shootdown()
    {
        var (options, work) = Counted(Runs.Options(DesignKind.Pageblock, WorkloadKind.Purge, cpus: 4));

        var run = Runs.Run(options, output);
        var r = run.Result;
        Runs.AssertClean(run);

        // CPUs 0-2 fault, CPU 3 purges.
        Assert.Equal(r.Allocations, work.Calls(KernelWorkItem.Fault));
        Assert.Equal(r.Allocations, work.Calls(KernelWorkItem.Fault, cpu: 0) + work.Calls(KernelWorkItem.Fault, cpu: 1) + work.Calls(KernelWorkItem.Fault, cpu: 2));
        Assert.Equal(r.AllocatedPages * (long)Cost.ClearPageNs, work.Ns(KernelWorkItem.ClearPage));

        var madvises = work.Calls(KernelWorkItem.Madvise, cpu: 3);
        Assert.True(madvises > 0, "no madvise()");
        Assert.Equal(madvises, work.Calls(KernelWorkItem.Madvise));
        Assert.Equal(madvises, work.Calls(KernelWorkItem.ShootdownWait, cpu: 3));

        // Each extent's pages are zapped once; the last extent may still be in flight when the run ends.
        var zapped = work.Ns(KernelWorkItem.MadvisePage) / (long)Cost.MadvisePageNs;
        Assert.InRange(zapped, r.Frees, r.Frees + WorkloadSizes.PurgeExtentMaxPagesDefault);

        // Every madvise() sends a shootdown IPI to each application CPU, which takes them at its quiescent points.
        for (var cpu = 0; cpu < 3; cpu++)
        {
            Assert.Equal(madvises * (long)Cost.ShootdownIpiNs, work.InterruptNsSent(cpu));
            Assert.InRange(work.InterruptNsTaken(cpu), 1, work.InterruptNsSent(cpu));
        }

        Assert.Equal(0, work.InterruptNsSent(3));

        // MADV_DONTNEED frees through the mmu_gather: batches of up to 31, at least one per extent.
        Assert.InRange(r.Allocator.FreeBatches, madvises, r.Frees);
        Assert.True(r.Frees <= PageAlloc.PagevecSize * r.Allocator.FreeBatches, $"{r.Frees} frees in {r.Allocator.FreeBatches} batches");
    }

    [Fact]
    public void An_exit_charges_its_fill_as_faults_and_its_teardown_per_page()
    {
        var (options, work) = Counted(Runs.Options(DesignKind.Mainline, WorkloadKind.Exit, cpus: 2));

        var run = Runs.Run(options, output);
        var r = run.Result;
        Runs.AssertClean(run);

        Assert.True(r.WorkloadCounters.Cycles > 0, "no CPU exited");
        Assert.Equal(r.Allocations, work.Calls(KernelWorkItem.Fault));
        var zapped = work.Ns(KernelWorkItem.UnmapPage) / (long)Cost.UnmapPageNs;
        Assert.InRange(zapped, r.Frees, r.Frees + (2L * MmuGather.MaxPages));
        Assert.True(work.Calls(KernelWorkItem.TlbFlush) > 0, "no mmu_gather flush");
        Assert.True(r.Allocator.FreeBatches > 0, "exit_mmap() did not free through free_unref_folios()");
        Assert.True(r.Frees <= PageAlloc.PagevecSize * r.Allocator.FreeBatches, $"{r.Frees} frees in {r.Allocator.FreeBatches} batches");
        Assert.Equal(0, work.Calls(KernelWorkItem.Madvise));
    }

    [Fact]
    public void A_udp_receive_charges_the_packets_its_page_frag_serves_and_frees_one_chunk_at_a_time()
    {
        // No pressure, so every allocation is a receive.
        var (options, work) = Counted(Runs.Options(DesignKind.Mainline, WorkloadKind.Udp, cpus: 4, zone: "256M,highatomic=2"));

        var run = Runs.Run(options, output);
        var r = run.Result;
        Runs.AssertClean(run);

        // A 1,920-byte fragment per packet: 4 per order-1 page_frag, 2 per order-0 one, i.e. 2 per page.
        Assert.Equal(r.Allocations, work.Calls(KernelWorkItem.PacketReceive));
        Assert.Equal(2 * r.AllocatedPages * (long)Cost.PacketReceiveNs, work.Ns(KernelWorkItem.PacketReceive));
        Assert.Equal(r.Frees, work.Calls(KernelWorkItem.PacketConsume));
        Assert.Equal(2 * r.FreedPages * (long)Cost.PacketConsumeNs, work.Ns(KernelWorkItem.PacketConsume));
        Assert.Equal(0, work.Calls(KernelWorkItem.Fault));

        // skb_free_frag() puts one page_frag page at a time.
        Assert.Equal(0, r.Allocator.FreeBatches);
    }

    [Fact]
    public void A_mixed_run_charges_a_fault_and_the_clear_of_every_page_per_allocation_and_the_unmap_of_every_page_per_free()
    {
        var (options, work) = Counted(Runs.Options(DesignKind.Pageblock, WorkloadKind.Mixed, cpus: 4));

        var run = Runs.Run(options, output);
        var r = run.Result;
        Runs.AssertClean(run);

        Assert.Equal(r.Allocations, work.Calls(KernelWorkItem.Fault));
        Assert.Equal(r.Allocations, work.Calls(KernelWorkItem.ClearPage));
        Assert.Equal(r.AllocatedPages * (long)Cost.ClearPageNs, work.Ns(KernelWorkItem.ClearPage));
        Assert.Equal(r.Frees, work.Calls(KernelWorkItem.UnmapPage));
        Assert.Equal(r.FreedPages * (long)Cost.UnmapPageNs, work.Ns(KernelWorkItem.UnmapPage));
        Assert.Equal(0, r.Allocator.FreeBatches);
    }

    [Theory]
    [InlineData(WorkloadKind.PageFault)]
    [InlineData(WorkloadKind.Purge)]
    [InlineData(WorkloadKind.Exit)]
    [InlineData(WorkloadKind.Udp)]
    [InlineData(WorkloadKind.Mixed)]
    public void A_work_scale_of_0_charges_nothing(WorkloadKind workload)
    {
        var (options, work) = Counted(Runs.Options(DesignKind.Mainline, workload, cpus: 2, zone: "256M,highatomic=2") with { WorkScale = 0 });

        var run = Runs.Run(options, output);
        var r = run.Result;

        Runs.AssertClean(run);
        Assert.True(r.Allocations > 0, "nothing ran");
        Assert.Equal(0, work.Charges);
        Assert.All(r.Work!.Charged.Values, c => Assert.Equal(0, c.Count));
        Assert.All(r.Work.ChargesNs.Values, ns => Assert.Equal(0, ns));
        Assert.Null(r.Work.Calibration);
        Assert.Equal(0, r.WorkScale);
    }

    [Fact]
    public void The_work_scale_multiplies_every_charge()
    {
        var (options, work) = Counted(Budgeted(WorkloadKind.PageFault, RunLength + UnmapBatches) with { WorkScale = 0.5 });

        var r = Runs.Run(options, output).Result;

        Assert.Equal(RunLength * (long)(Cost.FaultNs / 2), work.Ns(KernelWorkItem.Fault));
        Assert.Equal(RunLength * (long)(Cost.ClearPageNs / 2), work.Ns(KernelWorkItem.ClearPage));
        Assert.Equal(RunLength * (long)(Cost.UnmapPageNs / 2), work.Ns(KernelWorkItem.UnmapPage));
        Assert.Equal((long)(Cost.FaultNs / 2), r.Work!.ChargesNs["fault"]);
        Assert.Equal(Cost.FaultNs, r.Work.CostsNs["fault"]);
        Assert.Equal(0.5, r.WorkScale);
    }

    [Theory]
    [InlineData(-0.5, PageAlloc.PagevecSize)]
    [InlineData(double.NaN, PageAlloc.PagevecSize)]
    [InlineData(1, 0)]
    [InlineData(1, PageAlloc.PagevecSize + 1)]
    public void A_run_refuses_a_bad_work_scale_or_free_batch_before_it_builds_anything(double scale, int freeBatch)
    {
        var built = 0;
        var options = Runs.Options(DesignKind.Mainline, WorkloadKind.PageFault, cpus: 1) with
        {
            WorkScale = scale,
            FreeBatch = freeBatch,
            ZoneFactory = () =>
            {
                built++;
                return Model.Layout.ZoneBuilder.Build(Model.Layout.ZoneSpec.Parse(Runs.SmallZone));
            },
        };

        Assert.Throws<ArgumentOutOfRangeException>(() => Runner.Run(options));
        Assert.Equal(0, built);
    }

    [Fact]
    public void A_run_on_the_host_engine_reports_its_calibration()
    {
        var options = Runs.Options(DesignKind.Mainline, WorkloadKind.PageFault, cpus: 1) with { Duration = null, OperationsPerCpu = 2_000 };

        var r = Runs.Run(options, output).Result;

        Assert.Equal("host", r.Work!.Engine);
        var calibration = Assert.IsType<HostWorkCalibration>(r.Work.Calibration);
        Assert.True(calibration.SpinNsPerIteration > 0 && double.IsFinite(calibration.SpinNsPerIteration));
        Assert.True(calibration.ClearPageNs > 0 && double.IsFinite(calibration.ClearPageNs));
        Assert.Equal(2_000, r.Work.Charged["fault"].Count);
    }
}
