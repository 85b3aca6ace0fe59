using PcpTestbed.Coyote;
using PcpTestbed.Designs;

namespace PcpTestbed.Coyote.Tests;

/// <summary>What the explore verb relies on: argument checks, progress reports and result fields.</summary>
public sealed class ExplorerApiTests : ControlledTest
{
    [Fact]
    public void An_unknown_scenario_is_an_argument_error_listing_the_scenarios()
    {
        var e = Assert.Throws<ArgumentException>(() => Explorer.Explore(new ExploreOptions { Scenario = "nope", Design = DesignKind.Mainline }));

        Assert.Contains("remote-free-vs-drain", e.Message);
    }

    [Fact]
    public void A_design_the_scenario_does_not_apply_to_is_an_argument_error()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            Explorer.Explore(new ExploreOptions { Scenario = "lockfree-remote-list", Design = DesignKind.Mainline }));

        Assert.Contains("pageblock-lockfree", e.Message);
    }

    [Fact]
    public void Partial_order_sampling_finds_a_catalogued_bug_and_its_trace_replays_with_it()
    {
        var r = Explorer.Explore(new ExploreOptions
        {
            Scenario = "remote-free-vs-drain",
            Design = DesignKind.Pageblock,
            Bugs = InjectedBug.RemoteCountUpdateOutsideLock,
            Iterations = Catalog.DefaultBugIterations,
            Seed = TestBudgets.Seed,
            PartialOrderSampling = true,
            TraceDirectory = TraceDirectory,
        });

        Assert.True(r.BugFound, Describe(r));
        Assert.True(TraceFile.Load(r.TracePath!).PartialOrderSampling);
        var replay = Replayer.Replay(r.TracePath!);
        Assert.True(replay.Reproduced, $"expected '{r.Violation}', replay gave '{replay.Violation ?? "no bug"}'");
        Assert.Equal(r.Steps, replay.Steps);
    }

    [Fact]
    public void A_clean_run_reports_its_iterations_and_rate_and_writes_no_trace()
    {
        var reports = new List<ExploreProgress>();
        var r = Explorer.Explore(new ExploreOptions
        {
            Scenario = "trylock-failures",
            Design = DesignKind.Mainline,
            Iterations = 50,
            Seed = 3,
            Progress = reports.Add,
            ProgressInterval = TimeSpan.Zero,
            TraceDirectory = TraceDirectory,
        });

        Assert.False(r.BugFound, Describe(r));
        Assert.Equal(50, r.Iterations);
        Assert.Null(r.FirstBugIteration);
        Assert.Null(r.TracePath);
        Assert.True(r.IterationsPerSecond > 0);
        Assert.Equal("portfolio", r.Strategy);
        Assert.Empty(r.Bugs);
        Assert.NotEmpty(reports);
        Assert.Equal(50, reports[^1].IterationsDone);
    }

    [Fact]
    public void A_failing_run_reports_the_iteration_violation_and_trace()
    {
        var r = Explore("cpu-offline-remote-free", DesignKind.Pageblock, InjectedBug.OwnerTagClearedBeforeUnlink, 20);

        Assert.True(r.BugFound);
        Assert.Equal(1, r.FirstBugIteration);
        Assert.Equal(1, r.Iterations);
        Assert.Equal(["owner-tag-cleared-before-unlink"], r.Bugs);
        Assert.Equal("§7.4 ownership", r.Invariant);
        Assert.True(File.Exists(r.TracePath));
        Assert.Contains(r.Steps, s => s.Operation == "page_alloc_cpu_dead(CPU 0)" && s.Site == "page_alloc_cpu_dead");
    }

    [Fact]
    public void A_time_limit_that_runs_out_inside_the_first_iteration_stops_it_claims_nothing_and_writes_no_trace()
    {
        // The canary's lost update is found in the first iteration (CanaryTests); a limit already spent cuts that iteration at
        // its first operation, so no bug may be claimed and no trace written.
        var dir = Path.Combine(TraceDirectory, Guid.NewGuid().ToString("N"));
        var r = Explorer.Explore(new ExploreOptions
        {
            Scenario = Catalog.CanaryScenario,
            Design = DesignKind.Mainline,
            Iterations = 200,
            Seed = TestBudgets.Seed,
            TimeLimit = TimeSpan.Zero,
            TraceDirectory = dir,
        });

        Assert.True(r.OutOfTime, Describe(r));
        Assert.False(r.BugFound, Describe(r));
        Assert.Equal(0, r.Iterations);
        Assert.Null(r.TracePath);
        Assert.False(Directory.Exists(dir) && Directory.GetFiles(dir).Length > 0, "a trace was written");
    }

    [Fact]
    public void A_time_limit_that_does_not_run_out_changes_nothing()
    {
        var options = new ExploreOptions
        {
            Scenario = Catalog.CanaryScenario,
            Design = DesignKind.Mainline,
            Iterations = 200,
            Seed = TestBudgets.Seed,
            TraceDirectory = TraceDirectory,
        };
        var without = Explorer.Explore(options);

        var r = Explorer.Explore(options with { TimeLimit = TimeSpan.FromMinutes(10) });

        Assert.False(r.OutOfTime, Describe(r));
        Assert.True(r.BugFound, Describe(r));
        Assert.Equal("canary", r.Invariant);
        Assert.Equal(without.Iterations, r.Iterations);
        Assert.Equal(without.Violation, r.Violation);
        Assert.Equal(without.Steps, r.Steps);
    }
}
