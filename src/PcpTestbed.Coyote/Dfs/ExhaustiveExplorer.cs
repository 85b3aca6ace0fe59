using System.Diagnostics;

namespace PcpTestbed.Coyote.Dfs;

/// <summary>
/// explore --exhaustive: runs every schedule of a scenario with at most a given number of preemptions under our own
/// scheduler (<see cref="DfsController"/>), pruned by partial-order reduction (<see cref="DporSearch"/>), and stops at
/// the first failing schedule with a trace file, at the end with the verdict that the scenario holds for every
/// interleaving within the bound, or when the time budget runs out with no verdict.
/// </summary>
public static class ExhaustiveExplorer
{
    public static ExhaustiveResult Explore(ExhaustiveOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Explore(ScenarioLookup.Find(options.Scenario, nameof(options)), options);
    }

    /// <summary>Explores a scenario that need not be in the catalogue (the engine's own tests use this); its traces cannot be replayed by name.</summary>
    internal static ExhaustiveResult Explore(Scenario scenario, ExhaustiveOptions options)
    {
        ScenarioLookup.CheckApplies(scenario, options.Design, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.PreemptionBound, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxSteps, 1, nameof(options));
        var config = scenario.Configure(options.Design);
        var runner = new IterationRunner(scenario, options.Design, options.Bugs, config, options.Elision, options.CheckLockOrder);

        // An elided lock guards accesses that are no points, which the reduction cannot see: every schedule runs then.
        var search = new DporSearch(options.PreemptionBound, options.Reduction && options.Elision == null);
        using var controller = new DfsController(config.Cpus, options.MaxSteps, options.SpinCount);
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        long schedules = 0;
        var longest = 0;
        IterationState? failed = null;
        var verdict = ExhaustiveVerdict.Holds;
        while (true)
        {
            if (options.TimeBudget is { } budget && clock.Elapsed >= budget)
            {
                verdict = ExhaustiveVerdict.Incomplete;
                break;
            }

            var state = controller.RunIteration(runner, search);
            schedules++;
            options.OnSchedule?.Invoke(controller.Trace.Select(s => s.ToScheduleStep()).ToArray(), state.ReadableSteps());
            longest = Math.Max(longest, controller.Trace.Count);
            if (search.Nondeterminism != null)
            {
                throw new InvalidOperationException($"scenario '{scenario.Name}' is not deterministic under our scheduler: {search.Nondeterminism}");
            }

            if (state.Violation != null)
            {
                failed = state;
                verdict = ExhaustiveVerdict.BugFound;
                break;
            }

            if (!search.Advance(controller.Trace))
            {
                if (search.Nondeterminism != null)
                {
                    throw new InvalidOperationException($"scenario '{scenario.Name}' is not deterministic under our scheduler: {search.Nondeterminism}");
                }

                break;
            }

            if (options.Progress != null && clock.Elapsed - lastReport >= options.ProgressInterval)
            {
                lastReport = clock.Elapsed;
                options.Progress(new ExhaustiveProgress(schedules, schedules / Math.Max(clock.Elapsed.TotalSeconds, 1e-9), clock.Elapsed, search.PrefixLength));
            }
        }

        clock.Stop();
        var rate = schedules / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
        options.Progress?.Invoke(new ExhaustiveProgress(schedules, rate, clock.Elapsed, search.PrefixLength));
        var result = new ExhaustiveResult
        {
            Scenario = scenario.Name,
            Design = Designs.Designs.Name(options.Design),
            Bugs = Explorer.BugNames(options.Bugs),
            PreemptionBound = options.PreemptionBound,
            Reduction = search.Reduce,
            Verdict = verdict,
            Schedules = schedules,
            Elapsed = clock.Elapsed,
            SchedulesPerSecond = rate,
            TotalSteps = controller.Steps,
            Switches = controller.Switches,
            MaxScheduleSteps = longest,
            TimeBudget = options.TimeBudget,
            Elision = options.Elision?.ToString(),
            Coverage = runner.Coverage.Report(),
            LockOrder = runner.Order.Edges(),
        };
        if (failed == null)
        {
            return result;
        }

        var violation = failed.Violation!;
        var steps = failed.ReadableSteps();
        var schedule = controller.Trace.Select(s => s.ToScheduleStep()).ToArray();
        var preemptions = controller.Trace.Count(s => s.IsPreemption);
        var trace = FailureTrace.Of(TraceFile.DfsEngine, scenario, config, result.Design, result.Bugs, (uint)options.MaxSteps, violation, steps,
            failed.SetupSteps, result.Elision) with
        {
            PreemptionBound = options.PreemptionBound,
            Reduction = search.Reduce,
            ScheduleNumber = schedules,
            Preemptions = preemptions,
            Schedule = schedule,
            LockOrderBefore = runner.Order.EdgesBefore(runner.Iteration),
        };
        var path = Path.Combine(options.TraceDirectory ?? FailureTrace.DefaultDirectory,
            $"{scenario.Name}.{result.Design}.{Explorer.BugsForFileName(result.Bugs, result.Elision)}.dfs-pb{options.PreemptionBound}.s{schedules}.trace.json");
        trace = FailureTrace.Save(scenario, trace, path);
        return result with
        {
            FailingSchedule = schedules,
            Violation = violation,
            Invariant = trace.Invariant,
            TracePath = path,
            Steps = steps,
            Schedule = schedule,
            Preemptions = preemptions,
        };
    }
}
