using PcpTestbed.Designs;
using PcpTestbed.Execution.Locking;
using PcpTestbed.Model;
using PcpTestbed.Model.Layout;
using PcpTestbed.Workloads.Faults;
using PcpTestbed.Workloads.Kinds;
using PcpTestbed.Workloads.Reclaim;
using PcpTestbed.Workloads.Run;
using PcpTestbed.Workloads.Tests.Support;
using Xunit.Abstractions;

namespace PcpTestbed.Workloads.Tests;

/// <summary>
/// How a run starts, paces itself and ends, around the workload: the page-cache prefill of a pressure run, the
/// audit schedule, and faults that fall due as the CPUs stop. Each rule here was broken once (see the commits).
/// </summary>
public class RunLifecycleTests(ITestOutputHelper output)
{
    [Fact]
    public void The_page_cache_prefill_ends_at_low_counting_only_the_free_pages_a_page_cache_page_may_use()
    {
        // Two highatomic blocks: 1,024 free pages a movable allocation may not count against its watermark. The
        // prefill used to aim at free pages <= low counting them, which no movable allocation can reach (it fails
        // at min first, and direct reclaim frees cache pages to let it through): it never ended.
        var zone = ZoneBuilder.Build(ZoneSpec.Parse("256M,highatomic=2"));
        using var reclaim = new ReclaimModel();
        var allocator = AllocatorFactory.Create(DesignKind.Mainline, zone, new AllocatorConfig { Cpus = 5, Reclaim = reclaim }, new OsExecution<NoLockProbe>(default));
        reclaim.Attach(allocator, kswapdCpu: 4);
        var low = zone.WmarkPages(WatermarkKind.Low);

        var prefill = new Thread(() => reclaim.Prefill(0)) { IsBackground = true };
        prefill.Start();
        Assert.True(prefill.Join(Runs.RunBound), $"the prefill did not end: {zone.NrFreePages} free pages, {zone.NrFreeHighatomic} of them highatomic, low {low}");

        var usable = zone.NrFreePages - zone.NrFreeHighatomic;
        output.WriteLine($"prefilled {reclaim.CachedPages} pages: free {zone.NrFreePages} (highatomic {zone.NrFreeHighatomic}), low {low}");
        Assert.True(usable <= low, $"{usable} usable free pages left above low {low}");
        Assert.True(zone.NrFreeHighatomic > 0, "the prefill ate into the highatomic reserve");
        Assert.True(reclaim.CachedPages > zone.PresentPages / 2, $"only {reclaim.CachedPages} pages cached");
        Assert.Equal(0, reclaim.DirectReclaimedPages);
    }

    [Fact]
    public void A_pressure_run_on_a_zone_with_highatomic_blocks_starts_and_ends()
    {
        var options = Runs.Options(DesignKind.Mainline, WorkloadKind.Udp, cpus: 4, zone: "256M,highatomic=2") with { Pressure = true };

        var run = Runs.Run(options, output);

        Runs.AssertClean(run);
        Assert.True(run.Result.PrefilledPages > 0, "no page cache");
    }

    [Fact]
    public void The_coordinator_wakes_for_an_audit_due_before_its_progress_period()
    {
        // The coordinator used to wake only every 200 ms (its progress period), which capped 50 ms audits at 5 a second.
        // Its wait is the rule, stated without a clock: until the earlier deadline, at least 1 ms, at most 200 ms. (A run's
        // count of audits a second depends on the host's load, where a stop-the-world can take a scheduler tick per CPU:
        // six in 1.15 s at load 34 on 2026-12-07, so it is no test.)
        var now = TimeSpan.FromSeconds(3);

        Assert.Equal(TimeSpan.FromMilliseconds(50), Runner.UntilNext(now, now + TimeSpan.FromMilliseconds(50), now + TimeSpan.FromMilliseconds(200)));
        Assert.Equal(TimeSpan.FromMilliseconds(50), Runner.UntilNext(now, now + TimeSpan.FromMilliseconds(200), now + TimeSpan.FromMilliseconds(50)));
        Assert.Equal(TimeSpan.FromMilliseconds(200), Runner.UntilNext(now, now + TimeSpan.FromSeconds(10), now + TimeSpan.FromSeconds(10)));
        Assert.Equal(TimeSpan.FromMilliseconds(1), Runner.UntilNext(now, now - TimeSpan.FromMilliseconds(5), now + TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public void Audits_run_while_the_cpus_run()
    {
        var options = Runs.Options(DesignKind.Mainline, WorkloadKind.PageFault, cpus: 2, duration: TimeSpan.FromSeconds(1)) with
        {
            AuditInterval = TimeSpan.FromMilliseconds(50),
        };

        var run = Runs.Run(options, output);

        Runs.AssertClean(run);
        Assert.True(run.AuditsWhileRunning >= 1, $"{run.AuditsWhileRunning} audits in {run.Result.Seconds:F2} s at a 50 ms interval");
    }

    [Fact]
    public void A_cpu_hotplug_or_a_memory_hog_falling_due_as_the_cpus_stop_does_not_hang_the_run()
    {
        // Faults due at every coordinator wake-up, on 16 CPU threads that take a while to notice the stop: the
        // coordinator often posts page_alloc_cpu_dead() or the hog to a CPU that has just left its body. It used to
        // wait 30 s for work that CPU would never run, then throw.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var options = Runs.Options(DesignKind.Pageblock, WorkloadKind.Mixed, cpus: 16, duration: TimeSpan.FromMilliseconds(300)) with
            {
                Seed = Runs.Seed + attempt,
                Faults = new FaultOptions
                {
                    CpuHotplug = true,
                    HotplugInterval = TimeSpan.FromMilliseconds(1),
                    Exhaustion = true,
                    ExhaustionInterval = TimeSpan.FromMilliseconds(1),
                },
            };

            var run = Runs.Run(options, output);

            // A memory hog early on can hold the coordinator past the only mid-run audit of so short a run: the end
            // and after-release audits are what this rule needs.
            Runs.AssertClean(run, minAudits: 2);
        }
    }
}
