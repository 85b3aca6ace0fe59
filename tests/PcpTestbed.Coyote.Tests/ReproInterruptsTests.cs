using PcpTestbed.Coyote.Repro;
using PcpTestbed.Designs;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote.Tests;

/// <summary>A reproduction file's interrupts (<see cref="ReproFile.Interrupts"/>): recorded, optional, and what explore --from-repro lands.</summary>
public class ReproInterruptsTests
{
    private static readonly ReproInterrupts Irq = new(["lock:page_alloc_cpu_dead", "lock:free_unref_page:remote"], 100, 2_000_000);

    private static ReproFile Build(ReproInterrupts? irq) =>
        TestReproFiles.TwoCpus("mainline", "16M", [new RecordedOp(AllocatorOp.Alloc, 0, 0xcc0, 0x10, 5, true, false)], interrupts: irq);

    [Fact]
    public void The_runs_interrupts_round_trip_through_the_file()
    {
        var loaded = TestReproFiles.RoundTrip(Build(Irq)).Interrupts;

        Assert.NotNull(loaded);
        Assert.Equal(Irq.Sites, loaded.Sites);
        Assert.Equal((100, 2_000_000L, ReproInterrupts.MaxDerivedSteps), (loaded.Percent, loaded.DelayNs, loaded.StallSteps));
    }

    [Fact]
    public void A_file_written_before_the_field_loads_without_interrupts()
    {
        // Without interrupts the field is left out, as in every file written before it: such a file loads, with none.
        using var temp = new TempDirectory();
        var path = temp.Save(Build(null));
        using (var gzip = new System.IO.Compression.GZipStream(File.OpenRead(path), System.IO.Compression.CompressionMode.Decompress))
        using (var reader = new StreamReader(gzip))
        {
            Assert.DoesNotContain("interrupts", reader.ReadToEnd(), StringComparison.Ordinal);
        }

        Assert.Null(ReproFile.Load(path).Interrupts);
    }

    [Fact]
    public void A_file_naming_an_unknown_interrupt_site_is_refused()
    {
        var e = Assert.Throws<ReproFormatException>(() => TestReproFiles.RoundTrip(Build(Irq with { Sites = ["lock:no_such_function"] })));
        Assert.Contains("lock:no_such_function", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_scenario_stalls_at_the_files_sites_and_with_no_irq_it_does_not()
    {
        var file = Build(Irq);
        var stall = new ReproScenario(file, 1).Configure(DesignKind.Mainline).Interrupts;
        Assert.NotNull(stall);
        Assert.True(stall.Points[PointSites.Of(LockSite.CpuDead)]);
        Assert.True(stall.Points[PointSites.Of(LockSite.PcpRemoteFree)]);
        Assert.All(Enumerable.Range(0, PointSites.Count).Where(id => stall.Points[id]), id => Assert.Contains(PointSites.Name(id), Irq.Sites!));
        Assert.Equal(ReproInterrupts.MaxDerivedSteps, stall.Steps);

        var without = new ReproExploreOptions { Path = "x", NoIrq = true }.WithInterrupts(file);
        Assert.Null(without.Interrupts);
        Assert.Null(new ReproScenario(without, 1).Configure(DesignKind.Mainline).Interrupts);
    }

    [Fact]
    public void A_stall_is_the_delay_over_the_time_per_step_and_never_outlasts_the_deaths_wait_for_its_victim()
    {
        Assert.Equal(10, (Irq with { DelayNs = 1_000 }).StallSteps);
        Assert.Equal(ReproInterrupts.MaxDerivedSteps, Irq.StallSteps);
        Assert.Equal(5_000, (Irq with { Steps = 5_000 }).StallSteps);
    }

    [Fact]
    public void Irq_site_gives_a_file_without_interrupts_the_sites_at_every_point_and_irq_steps_sets_the_stall()
    {
        var file = new ReproExploreOptions { Path = "x", IrqSites = ["remote_free_push:read_head"], IrqSteps = 7 }.WithInterrupts(Build(null));

        var irq = file.Interrupts!;
        Assert.Equal(["remote_free_push:read_head"], irq.Sites);
        Assert.Equal((100, ReproInterrupts.DefaultDelayNs), (irq.Percent, irq.DelayNs));
        Assert.Equal(7, new ReproScenario(file, 1).Configure(DesignKind.Mainline).Interrupts!.Steps);
    }

    [Fact]
    public void A_trace_carries_the_stall_length_it_was_found_with_so_a_changed_derivation_still_replays()
    {
        var scenario = new ReproScenario(Build(Irq), 1);
        var config = scenario.Configure(DesignKind.Mainline);
        var trace = FailureTrace.Of(TraceFile.CoyoteEngine, scenario, config, "mainline", [], 100, "[lockdep] x", [], null, null);

        var annotated = scenario.Annotate(trace).Repro!;

        // The stall used (derived from the delay) is written as the file's steps; the scenario's own file is unchanged.
        Assert.Equal(ReproInterrupts.MaxDerivedSteps, annotated.Interrupts!.Steps);
        Assert.Null(scenario.File.Interrupts!.Steps);

        // A derivation that would now differ (another delay) does not change the replayed stall or configuration.
        var replayed = new ReproScenario(annotated with { Interrupts = annotated.Interrupts with { DelayNs = 1_000 } }, 1).Configure(DesignKind.Mainline);
        Assert.Equal(ReproInterrupts.MaxDerivedSteps, replayed.Interrupts!.Steps);
        Assert.Equal(config.Parameters, replayed.Parameters);
    }

    [Fact]
    public void Shrink_searches_a_reproduction_without_its_interrupts_so_the_shrunk_trace_names_no_stalls()
    {
        // Shrink runs under our scheduler, which does not stall: the scenario it searches (and annotates its output with) has none.
        var shrunk = (ReproScenario)Shrink.TraceShrinker.WithoutInterrupts(new ReproScenario(Build(Irq), 1));

        Assert.Null(shrunk.File.Interrupts);
        Assert.Null(shrunk.Configure(DesignKind.Mainline).Interrupts);
        Assert.DoesNotContain("repro-irq", shrunk.Configure(DesignKind.Mainline).Parameters.Keys);
    }
}
