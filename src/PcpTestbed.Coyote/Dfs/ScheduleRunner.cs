using System.Diagnostics;

namespace PcpTestbed.Coyote.Dfs;

/// <summary>
/// Runs one schedule of a scenario under our scheduler: a trace's schedule (a strict replay, which stops at the first
/// step whose point differs from the recorded one), or a prefix or an edit of it (the basis for shrinking a trace). Where
/// the given schedule names a CPU that cannot run, or has ended, the default policy decides: keep running the CPU that ran
/// the last step if it can go on, else the lowest-numbered CPU that can run (<see cref="SchedulePolicy"/>). The result
/// tells whether the same violation came back (<see cref="ScheduleRunResult.Reproduces"/>) and where the run first left
/// the given schedule (<see cref="ScheduleRunResult.Divergence"/>).
/// </summary>
public static class ScheduleRunner
{
    public static ScheduleRunResult Run(ScheduleRunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Run(ScenarioLookup.Find(options.Scenario, nameof(options)), options);
    }

    /// <summary>Runs a scenario that need not be in the catalogue (the engine's own tests use this).</summary>
    internal static ScheduleRunResult Run(Scenario scenario, ScheduleRunOptions options)
    {
        ScenarioLookup.CheckApplies(scenario, options.Design, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxSteps, 1, nameof(options));
        var config = scenario.Configure(options.Design);
        var runner = new IterationRunner(scenario, options.Design, options.Bugs, config, options.Elision);
        if (!runner.Order.TrySeed(options.LockOrderBefore))
        {
            throw new ArgumentException("a lock-order entry names an unknown lock class or site", nameof(options));
        }

        var follower = new ScheduleFollower(options.Schedule, options.StopAtDivergence);
        using var controller = new DfsController(config.Cpus, options.MaxSteps);
        var clock = Stopwatch.StartNew();
        var state = controller.RunIteration(runner, follower);
        clock.Stop();
        return new ScheduleRunResult
        {
            Scenario = scenario.Name,
            Design = Designs.Designs.Name(options.Design),
            Bugs = Explorer.BugNames(options.Bugs),
            Violation = state.Violation,
            Invariant = state.Violation is { } v ? Violations.InvariantOf(v) : null,
            Steps = state.ReadableSteps(),
            Schedule = controller.Trace.Select(s => s.ToScheduleStep()).ToArray(),
            Divergence = follower.Divergence,
            FollowedSteps = follower.Followed,
            Stopped = controller.Stopped,
            Preemptions = controller.Trace.Count(s => s.IsPreemption),
            Elapsed = clock.Elapsed,
        };
    }
}
