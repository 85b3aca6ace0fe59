using PcpTestbed.Coyote;
using PcpTestbed.Coyote.Shrink;
using PcpTestbed.Designs;

namespace PcpTestbed.Coyote.Tests;

/// <summary>
/// shrink (issue 15 item 3): a catalogued bug's Coyote trace shrinks to a trace of our scheduler with at most half the steps,
/// no more operations or preemptions, the same violation class, and that trace replays; the operations it leaves out are
/// named in it.
/// </summary>
public sealed class ShrinkTests : ControlledTest
{
    /// <summary>Bugs whose traces shrink to half (the README's table says which do not, and why).</summary>
    public static TheoryData<InjectedBug> Bugs => new(InjectedBug.RemoteCountUpdateOutsideLock, InjectedBug.OwnerTagClearedBeforeUnlink, InjectedBug.ReleaseAfterDrain);

    [Theory]
    [MemberData(nameof(Bugs))]
    public void A_catalogued_bugs_trace_shrinks_to_at_most_half_its_steps_and_still_replays(InjectedBug bug)
    {
        var info = Catalog.FindBug(bug)!;
        var explored = Explore(info.Scenario, info.DesignKind, bug, info.Iterations);
        Assert.True(explored.BugFound, Describe(explored));

        var result = TraceShrinker.Shrink(new ShrinkOptions
        {
            Path = explored.TracePath!, OutputPath = Path.Combine(TraceDirectory, $"{info.Name}.shrunk.trace.json"), TimeBudget = TimeSpan.FromSeconds(120),
        });

        Assert.Equal(Violations.InvariantOf(explored.Violation!), Violations.InvariantOf(result.Violation));
        Assert.True(result.After.Steps * 2 <= result.Before.Steps, $"{result.Before} -> {result.After}");
        Assert.True(result.After.Operations <= result.Before.Operations, $"{result.Before} -> {result.After}");
        Assert.True(result.After.Preemptions <= result.Before.Preemptions, $"{result.Before} -> {result.After}");
        var trace = TraceFile.Load(result.OutputPath);
        Assert.Equal(TraceFile.DfsEngine, trace.Engine);
        Assert.Equal(result.Skipped.Count == 0 ? null : result.Skipped, trace.SkippedOperations);

        var replay = Replayer.Replay(result.OutputPath);
        Assert.True(replay.Reproduced, replay.Divergence?.Message ?? replay.Violation);
        Assert.Equal(result.After, StepCounts.Of(replay.Steps, replay.SetupSteps));
    }

    [Fact]
    public void A_trace_found_by_a_class_its_audit_named_after_its_first_shrinks_keeping_that_class()
    {
        // release-after-drain's audit names §7.4 first and §7.1 after it: sought as §7.1, the trace carries §7.1, and shrink
        // keeps it (a shrink keeping the violation's first class would accept schedules that break §7.4 alone).
        var info = Catalog.FindBug(InjectedBug.ReleaseAfterDrain)!;
        const string sought = "§7.1 single-state";
        var explored = Explorer.Explore(new ExploreOptions
        {
            Scenario = info.Scenario, Design = info.DesignKind, Bugs = info.Bug, Iterations = info.Iterations, Seed = TestBudgets.Seed,
            TraceDirectory = TraceDirectory, SoughtInvariant = sought,
        });
        Assert.True(explored.BugFound, Describe(explored));
        Assert.NotEqual(sought, Violations.InvariantOf(explored.Violation!));
        Assert.Equal(sought, TraceFile.Load(explored.TracePath!).Invariant);

        var result = TraceShrinker.Shrink(new ShrinkOptions
        {
            Path = explored.TracePath!, OutputPath = Path.Combine(TraceDirectory, "release-after-drain.sought.shrunk.trace.json"), TimeBudget = TimeSpan.FromSeconds(120),
        });

        Assert.Equal(sought, result.Invariant);
        Assert.True(Violations.Names(result.Violation, sought), result.Violation);
        Assert.Equal(sought, TraceFile.Load(result.OutputPath).Invariant);
        Assert.True(Replayer.Replay(result.OutputPath).Reproduced);
    }

    [Fact]
    public void A_trace_nothing_smaller_reproduces_is_copied_not_grown()
    {
        // drain-without-pcp-lock's liveness failure is the spin itself: no schedule with fewer steps or preemptions fails so.
        var info = Catalog.FindBug(InjectedBug.DrainWithoutPcpLock)!;
        var explored = Explore(info.Scenario, info.DesignKind, info.Bug, info.Iterations);
        var output = Path.Combine(TraceDirectory, "drain-without-pcp-lock.shrunk.trace.json");

        var result = TraceShrinker.Shrink(new ShrinkOptions { Path = explored.TracePath!, OutputPath = output, TimeBudget = TimeSpan.FromSeconds(120) });

        Assert.True(result.After.Steps <= result.Before.Steps && result.After.Preemptions <= result.Before.Preemptions, $"{result.Before} -> {result.After}");
        if (!result.Smaller)
        {
            Assert.Equal(result.Before, result.After);
            Assert.Equal(File.ReadAllText(explored.TracePath!), File.ReadAllText(output));
        }

        Assert.True(Replayer.Replay(output).Reproduced);
    }

    [Fact]
    public void A_skipped_operation_is_not_run_and_the_rest_keep_their_indices()
    {
        var info = Catalog.FindBug(InjectedBug.RemoteCountUpdateOutsideLock)!;
        var scenario = new SkippingScenario(Catalog.FindScenario(info.Scenario)!, new HashSet<ScriptOp> { new(1, 0) });
        var run = Dfs.ScheduleRunner.Run(scenario, new Dfs.ScheduleRunOptions { Scenario = info.Scenario, Design = info.DesignKind, Schedule = [] });

        var begins = run.Steps.Where(s => s.Kind == "begin" && s.Cpu == 1).Select(s => s.Operation).ToArray();

        // CPU 1's script frees two pages; the first is skipped, the second still runs.
        Assert.Single(begins);
        Assert.StartsWith("free(", begins[0]);
    }
}
