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
    public static TheoryData<InjectedBug> Bugs => new(InjectedBug.FreeToForeignPcpOnTrylockFailure, InjectedBug.RemoteCountUpdateOutsideLock, InjectedBug.MissingOwnerRecheck);

    [Theory]
    [MemberData(nameof(Bugs))]
    public void A_catalogued_bugs_trace_shrinks_to_at_most_half_its_steps_and_still_replays(InjectedBug bug)
    {
        var info = Catalog.FindBug(bug)!;
        var explored = Explore(info.Scenario, info.DesignKind, bug, info.Iterations);
        Assert.True(explored.BugFound, Describe(explored));

        var result = TraceShrinker.Shrink(new ShrinkOptions { Path = explored.TracePath!, OutputPath = Path.Combine(TraceDirectory, $"{info.Name}.shrunk.trace.json") });

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
