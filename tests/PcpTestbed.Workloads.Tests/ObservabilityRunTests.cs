using PcpTestbed.Designs;
using PcpTestbed.Execution.LockStat;
using PcpTestbed.Model;
using PcpTestbed.Model.Layout;
using PcpTestbed.Workloads.Kinds;
using PcpTestbed.Workloads.Observe;
using PcpTestbed.Workloads.Run;
using PcpTestbed.Workloads.Tests.Support;
using Xunit.Abstractions;

namespace PcpTestbed.Workloads.Tests;

/// <summary>
/// What a run reports about itself beyond throughput and locks' counts: each CPU's lock duty and what failed
/// trylocks collided with; vmstat counters; free pages by migratetype and order sampled over the run; the CMA
/// percentages. Each figure is checked against an independent count of the same thing.
/// </summary>
public class ObservabilityRunTests(ITestOutputHelper output)
{
    private const int Cpus = 4;

    [Theory]
    [MemberData(nameof(AllDesigns))]
    public void Lock_duty_and_trylock_attribution_are_reported_for_every_class_and_agree_with_the_lock_counts(DesignKind design)
    {
        var run = Runs.Run(Runs.Options(design, WorkloadKind.Purge, Cpus), output);
        var r = run.Result;
        Runs.AssertClean(run);

        foreach (var cls in r.Locks)
        {
            var duty = cls.Duty;
            Assert.NotNull(duty);
            Assert.Equal(r.Seconds, duty.Seconds, 9);
            Assert.Equal(Enumerable.Range(0, Cpus), duty.Cpus.Select(c => c.Cpu));
            Assert.All(duty.Cpus, c => Assert.InRange(c.Duty, 0, 1));
            Assert.Equal(cls.Acquisitions, duty.Cpus.Sum(c => c.Acquisitions));
            Assert.Equal(cls.HoldNs.Count, duty.Cpus.Sum(c => c.Samples));
            Assert.True(duty.Min <= duty.Mean && duty.Mean <= duty.Max, $"{cls.Name}: min {duty.Min}, mean {duty.Mean}, max {duty.Max}");
            if (cls.Name == "zone->lock")
            {
                // The sum of the duties; only sampling error can take it past 1 (a preempted holder's rare long hold sampled on an
                // oversubscribed host), and then some CPU's duty is flagged rough.
                Assert.Equal(duty.Cpus.Sum(c => c.Duty), duty.Utilisation!.Value, 12);
                Assert.True(duty.Utilisation.Value <= 1 || duty.FewSamples, $"utilisation {duty.Utilisation} with no rough duty");
            }
            else
            {
                Assert.Null(duty.Utilisation);
            }

            // Every failed trylock names the site holding the lock, and only sites that took the lock hold it.
            var takers = cls.Sites.Where(s => s.Acquisitions > 0).Select(s => s.Name).ToHashSet();
            foreach (var site in cls.Sites)
            {
                Assert.Equal(site.TrylockFailures, site.TrylockCollisions.Sum(x => x.Count));
                Assert.All(site.TrylockCollisions, x => Assert.Contains(x.Holder, takers));
                var caused = cls.Sites.Sum(s => s.TrylockCollisions.Where(x => x.Holder == site.Name).Sum(x => x.Count));
                Assert.Equal(caused, site.TrylockFailuresCaused);
            }

            Assert.Equal(cls.TrylockFailures, cls.Sites.Sum(s => s.TrylockFailuresCaused));
        }

        if (design == DesignKind.Pageblock)
        {
            // Routed frees trylock the owner's PCP while the owner allocates: the attribution above was not vacuous.
            Assert.True(r.Locks.Single(l => l.Name == "pcp->lock").TrylockFailures > 0, "no pcp->lock trylock failed on pageblock purge");
        }
    }

    [Theory]
    [MemberData(nameof(AllDesigns))]
    public void Vmstat_counters_agree_with_the_pages_held_with_their_parts_and_with_the_zone_at_the_end(DesignKind design)
    {
        // mixed allocates every migratetype at several orders; pressure adds a page cache filled before the run.
        var options = Runs.Options(design, WorkloadKind.Mixed, Cpus, "256M,cma=10%") with { Pressure = true };
        var run = Runs.Run(options, output);
        var r = run.Result;
        Runs.AssertClean(run);
        var v = r.Vmstat!;

        // pgalloc - pgfree is the change in what the workload, page cache and hog held over the run.
        Assert.Equal(r.HeldPages - r.PrefilledPages, v.Pgalloc - v.Pgfree);
        Assert.Equal(v.Pgalloc, v.PgallocByMigratetype.Values.Sum());
        Assert.Equal(v.Pgfree, v.PgfreeByMigratetype.Values.Sum());
        Assert.True(v.PgallocByMigratetype["unmovable"] > 0 && v.PgallocByMigratetype["movable"] > 0 && v.PgallocByMigratetype["reclaimable"] > 0,
            "mixed requests every migratetype");

        // At the end the CPUs are stopped: the counters are exact, and a walk of the zone finds the same free pages.
        var end = run.Audits[^2].Census;
        Assert.Equal(end.FreePages, v.NrFreePages.End);
        var last = r.FreePages!.Samples[^1];
        Assert.Equal(last.FreePages["cma"], v.NrFreeCma.End);
        Assert.Equal(last.FreePages["highatomic"], v.NrFreeHighatomic.End);
        Assert.Equal(MigrateTypes.All().Where(mt => mt != MigrateType.Isolate).Sum(last.FreePagesOf), v.NrFreePages.End);
        foreach (var range in (CounterRange[])[v.NrFreePages, v.NrFreeCma, v.NrFreeHighatomic, v.NrReservedHighatomic])
        {
            Assert.True(range.Min <= Math.Min(range.Start, range.End) && Math.Max(range.Start, range.End) <= range.Max, range.ToString());
        }
    }

    [Fact]
    public void The_free_page_timeline_starts_at_zero_moves_forward_and_ends_after_the_run()
    {
        var options = Runs.Options(DesignKind.Pageblock, WorkloadKind.PageFault, 2) with { SampleInterval = TimeSpan.FromMilliseconds(20) };
        var r = Runs.Run(options, output).Result;
        var f = r.FreePages!;
        var samples = f.Samples;

        Assert.Equal(0.02, f.SampleIntervalSeconds, 9);
        Assert.True(samples.Count >= 3, $"{samples.Count} samples");
        Assert.Equal(0, samples[0].Seconds);
        for (var i = 1; i < samples.Count; i++)
        {
            Assert.True(samples[i].Seconds > samples[i - 1].Seconds, $"sample {i} at {samples[i].Seconds} s after {samples[i - 1].Seconds} s");
        }

        Assert.True(samples[^1].Seconds >= r.Seconds, $"the last sample at {samples[^1].Seconds} s, the run took {r.Seconds} s");

        // The first and last samples are taken with every CPU stopped: the per-list counts add up to NR_FREE_PAGES.
        foreach (var s in (FreePageSample[])[samples[0], samples[^1]])
        {
            Assert.Equal(s.NrFreePages, MigrateTypes.All().Where(mt => mt != MigrateType.Isolate).Sum(s.FreePagesOf));
        }

        foreach (var (name, summary) in f.ByMigratetype)
        {
            var mt = MigrateTypes.All().Single(t => MigratetypeKeys.Of(t) == name);
            var pages = samples.Select(s => s.FreePagesOf(mt)).ToList();
            Assert.Equal(pages[0], summary.Start);
            Assert.Equal(pages[^1], summary.End);
            Assert.Equal(pages.Min(), summary.Min);
            Assert.Equal(pages.Max(), summary.Max);
            Assert.Equal(pages.Average(), summary.Mean, 6);
        }
    }

    [Theory]
    [MemberData(nameof(AllDesigns))]
    public void The_cma_workload_reports_the_free_cma_share_and_how_movable_allocations_were_served_while_cma_exceeded_half(DesignKind design)
    {
        // Three quarters of the zone CMA: free CMA starts well above half of the free pages.
        var run = Runs.Run(Runs.Options(design, WorkloadKind.Cma, Cpus, "256M,cma=75%"), output);
        var r = run.Result;
        Runs.AssertClean(run);
        var cma = r.Cma!;

        var shares = r.FreePages!.Samples.Select(s => (double)s.NrFreeCma / s.NrFreePages).ToList();
        Assert.Equal(0.75, shares[0], 9);
        Assert.Equal(shares.Average(), cma.FreeShareMean!.Value, 9);
        Assert.Equal(shares.Min(), cma.FreeShareMin);
        Assert.Equal(shares.Max(), cma.FreeShareMax);
        Assert.InRange(cma.FreeShareMin!.Value, 0, 1);
        Assert.InRange(cma.FreeShareMax!.Value, 0, 1);

        Assert.True(cma.MovableAllocationsWhileCmaOverHalf > 0, "no movable allocation while free CMA exceeded half");
        Assert.InRange(cma.MovableAllocationsWhileCmaOverHalf, 1, r.Allocations);
        Assert.InRange(cma.FromCmaBlocks, 0, cma.MovableAllocationsWhileCmaOverHalf);
        Assert.Equal((double)cma.FromCmaBlocks / cma.MovableAllocationsWhileCmaOverHalf, cma.FromCmaShare!.Value, 12);
        Assert.InRange(cma.FromCmaBlocks, 0, r.Sources["cma"]);
    }

    [Fact]
    public void The_sampler_keeps_a_bounded_timeline_by_dropping_every_other_sample_and_doubling_the_interval()
    {
        var zone = ZoneBuilder.Build(ZoneSpec.Parse("16M"));
        var step = TimeSpan.FromMilliseconds(10);
        var sampler = new FreePageSampler(zone, step);
        var now = TimeSpan.Zero;
        for (var i = 0; i < 5 * FreePageSampler.MaxSamples; i++)
        {
            sampler.TakeIfDue(now);
            now += step;
        }

        var samples = sampler.Samples;
        Assert.InRange(samples.Count, FreePageSampler.MaxSamples / 2, FreePageSampler.MaxSamples);
        Assert.Equal(0, samples[0].Seconds);
        Assert.True(sampler.Interval >= 4 * step, $"interval {sampler.Interval}");
        for (var i = 1; i < samples.Count; i++)
        {
            Assert.Equal(sampler.Interval.TotalSeconds, samples[i].Seconds - samples[i - 1].Seconds, 6);
        }

        var lastOffered = now - step;
        Assert.True(lastOffered.TotalSeconds - samples[^1].Seconds < sampler.Interval.TotalSeconds, "the timeline reaches the end");
    }

    public static TheoryData<DesignKind> AllDesigns() => [.. Runs.AllDesigns];
}
