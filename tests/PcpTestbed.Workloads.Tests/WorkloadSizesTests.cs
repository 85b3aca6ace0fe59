using PcpTestbed.Designs;
using PcpTestbed.Workloads.Kinds;
using PcpTestbed.Workloads.Support;
using PcpTestbed.Workloads.Tests.Support;
using Xunit.Abstractions;

namespace PcpTestbed.Workloads.Tests;

/// <summary>
/// The scenario sizes (page_fault1's 128 MiB per task, a 256 MiB process per exit, jemalloc-sized purge extents), capped
/// so each CPU's share fits half of the zone's free pages, with a note saying so; sizes given explicitly are used as
/// given.
/// </summary>
public class WorkloadSizesTests(ITestOutputHelper output)
{
    private const long OneGigFree = 262_144;

    [Fact]
    public void The_scenario_sizes_are_used_where_they_fit()
    {
        var s = WorkloadSizes.For(WorkloadKind.PageFault, new WorkloadParameters(), OneGigFree, cpus: 4);

        Assert.Equal(32_768, s.RunLengthPages);
        Assert.Equal(WorkloadSizes.PurgeExtentMaxPagesDefault, s.PurgeExtentMaxPages);
        Assert.Equal(OneGigFree / 2 / 4, s.CapPages);
        Assert.Empty(s.Notes);
        Assert.Equal(65_536, WorkloadSizes.For(WorkloadKind.Exit, new WorkloadParameters(), OneGigFree, cpus: 2).ExitFillPages);
    }

    [Fact]
    public void A_size_that_does_not_fit_is_capped_to_half_the_free_pages_over_the_cpus_with_a_note()
    {
        var s = WorkloadSizes.For(WorkloadKind.Exit, new WorkloadParameters(), OneGigFree, cpus: 8);

        Assert.Equal(16_384, s.ExitFillPages);
        var note = Assert.Single(s.Notes);
        output.WriteLine(note);
        Assert.Contains("256 MiB", note);
        Assert.Contains("16,384 pages", note);
        Assert.Contains("a zone of 4G or more", note);
    }

    [Fact]
    public void A_note_speaks_only_of_the_workload_that_runs()
    {
        var s = WorkloadSizes.For(WorkloadKind.Purge, new WorkloadParameters(), OneGigFree, cpus: 8);

        Assert.Equal(16_384, s.ExitFillPages);
        Assert.Empty(s.Notes);
    }

    [Fact]
    public void Sizes_given_explicitly_are_used_as_given()
    {
        var p = new WorkloadParameters { RunLength = 100_000, ExitFillPages = 7, PurgeExtentMaxPages = 1 };

        var s = WorkloadSizes.For(WorkloadKind.PageFault, p, OneGigFree, cpus: 8);

        Assert.Equal(100_000, s.RunLengthPages);
        Assert.Equal(7, s.ExitFillPages);
        Assert.Equal(1, s.PurgeExtentMaxPages);
        Assert.Empty(s.Notes);
    }

    [Fact]
    public void A_run_on_a_small_zone_uses_the_capped_size_and_reports_it()
    {
        // 256M: 65,536 pages, nearly all free; four CPUs get an eighth each.
        var run = Runs.Run(Runs.Options(DesignKind.Mainline, WorkloadKind.PageFault, cpus: 4), output);
        var sizes = run.Result.Sizes!;

        Runs.AssertClean(run);
        Assert.InRange(sizes.RunLengthPages, 8_000, 8_192);
        Assert.Equal(sizes.RunLengthPages, sizes.CapPages);
        Assert.Single(sizes.Notes);
        Assert.True(run.Result.WorkloadCounters.Cycles > 0, "no page_fault1 cycle completed");
    }

    [Fact]
    public void Purge_extents_are_log_uniform_over_1_to_the_maximum()
    {
        var random = new CpuRandom(seed: 7, cpu: 0);
        var draws = Enumerable.Range(0, 200_000).Select(_ => random.LogUniform(512)).ToList();

        Assert.Equal(1, draws.Min());
        Assert.Equal(512, draws.Max());

        // P(k) = ln((k + 1) / k) / ln(513): 11.1 % ones, a mean of about 82 pages and a median of 23 (every octave alike).
        Assert.InRange(draws.Count(d => d == 1) / 200_000.0, 0.105, 0.117);
        Assert.InRange(draws.Average(), 79, 85);
        Assert.InRange(draws.Order().ElementAt(100_000), 21, 25);
        Assert.All(Enumerable.Range(0, 100), _ => Assert.Equal(1, random.LogUniform(1)));
    }
}
