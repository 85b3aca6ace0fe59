using System.Diagnostics;
using PcpTestbed.Coyote.Dfs;
using PcpTestbed.Designs;

namespace PcpTestbed.Coyote.Shrink;

/// <summary>
/// shrink: makes a failing trace smaller two ways, keeping its violation class. Fewer operations: each script operation in
/// turn is skipped (<see cref="ScenarioRun.Skip"/>), and the skip is kept if our scheduler still finds a schedule failing
/// the same way within a small preemption bound (bounds 0, 1, 2 in turn, so the schedule it keeps has the fewest
/// preemptions that still fail). Fewer context switches: delta debugging over that schedule, one edit at a time (a CPU's
/// next run of steps moved up to join its previous one, or the schedule cut after a run and left to the default policy),
/// kept when the edited schedule still fails the same way with fewer preemptions, or as many in fewer steps, until no edit
/// helps. Writes the result as
/// a trace of our scheduler that <see cref="Replayer"/> replays.
/// </summary>
public static class TraceShrinker
{
    public static ShrinkResult Shrink(ShrinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        var trace = TraceFile.Load(options.Path);
        var (scenario, design, bugs, _, elision) = Replayer.Resolve(options.Path, trace);
        var replay = Replayer.Replay(options.Path);
        if (!replay.Reproduced)
        {
            throw new TraceFormatException(options.Path, $"does not reproduce its violation ({replay.Divergence?.Message ?? replay.Violation ?? "it ran clean"}): nothing to shrink");
        }

        // The trace's class, which may be one an audit's failure names after its first (a search for it found it there:
        // Violations.InvariantOf(string, string?)), not always the first: a shrink keeping the first could end at another class.
        var invariant = trace.Invariant;
        if (!Violations.Names(trace.Violation, invariant))
        {
            throw new TraceFormatException(options.Path, $"its violation does not name its invariant '{invariant}'");
        }

        var setup = trace.SetupSteps ?? 0;
        var before = StepCounts.Of(replay.Steps, setup);
        var baseScenario = WithoutInterrupts(scenario is SkippingScenario sk ? sk.Inner : scenario);
        var skip = scenario is SkippingScenario s0 ? new HashSet<ScriptOp>(s0.Skipped) : [];
        var tempDir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "pcptestbed-shrink", Guid.NewGuid().ToString("n"));
        var candidates = 0;
        var exhausted = false;
        try
        {
            var search = new Search(design, bugs, elision, invariant, options, tempDir, (int)Math.Min(trace.MaxSteps, 1_000_000));

            // The failing schedule of the scenario as it is, with the fewest preemptions our scheduler needs.
            var best = search.Find(Wrap(baseScenario, skip));
            foreach (var op in ScriptOps(replay.Steps, setup, skip))
            {
                if (clock.Elapsed >= options.TimeBudget)
                {
                    exhausted = true;
                    break;
                }

                candidates++;
                var trial = new HashSet<ScriptOp>(skip) { op };
                var found = search.Find(Wrap(baseScenario, trial));
                options.Progress?.Invoke($"drop CPU {op.Cpu}'s operation {op.Index}: {(found != null ? "still fails the same way: dropped" : "needed")}");
                if (found != null)
                {
                    skip = trial;
                    best = found;
                }
            }

            var shrunk = Wrap(baseScenario, skip);

            // The input's own interleaving, as our scheduler's choices (each step's CPU), on what is left: often shorter than
            // the first failing schedule the search meets.
            var recorded = replay.Steps.Skip(setup).Where(x => x.Kind is not ("quiescent" or "wait")).Select(x => new ScheduleStep(x.Cpu, x.Kind, x.Site)).ToArray();
            var own = ScheduleRunner.Run(shrunk, RunOptions(shrunk, design, bugs, elision, recorded, trace.MaxSteps));
            if (own.Violation != null && Violations.Names(own.Violation, invariant) &&
                (best == null || own.Preemptions < best.Preemptions || (own.Preemptions == best.Preemptions && own.Steps.Count < best.Steps.Count)))
            {
                best = new Found(own.Schedule, own.Violation, own.Steps, own.Preemptions, Math.Max(best?.Bound ?? 0, own.Preemptions), 0, Math.Min(setup, own.Steps.Count));
            }

            if (best == null)
            {
                // Our scheduler found nothing within the bound even for the whole scenario (a Coyote trace needing more preemptions):
                // keep the replayed schedule as it ran, as our scheduler's, and edit that.
                var asRun = ScheduleRunner.Run(shrunk, RunOptions(shrunk, design, bugs, elision, [], trace.MaxSteps));
                best = new Found(asRun.Schedule, asRun.Violation ?? trace.Violation, asRun.Steps, asRun.Preemptions, options.MaxPreemptionBound, 0, Math.Min(setup, asRun.Steps.Count));
            }

            // Delta debugging over the schedule: edits that keep the violation class with fewer preemptions, or as many in fewer steps.
            var improved = true;
            while (improved && !exhausted)
            {
                improved = false;
                foreach (var edit in Edits(best.Schedule))
                {
                    if (clock.Elapsed >= options.TimeBudget)
                    {
                        exhausted = true;
                        break;
                    }

                    candidates++;
                    var run = ScheduleRunner.Run(shrunk, RunOptions(shrunk, design, bugs, elision, edit, trace.MaxSteps));
                    if (run.Violation != null && Violations.Names(run.Violation, invariant) &&
                        (run.Preemptions < best.Preemptions || (run.Preemptions == best.Preemptions && run.Steps.Count < best.Steps.Count)))
                    {
                        options.Progress?.Invoke($"schedule edit: {best.Preemptions} -> {run.Preemptions} preemptions, {best.Steps.Count} -> {run.Steps.Count} steps");
                        best = best with { Schedule = run.Schedule, Violation = run.Violation, Steps = run.Steps, Preemptions = run.Preemptions };
                        improved = true;
                        break;
                    }
                }
            }

            var after = StepCounts.Of(best.Steps, best.SetupSteps);
            var path = options.OutputPath ?? DefaultOutput(options.Path);
            if (after.Steps > before.Steps || after.Preemptions > before.Preemptions || after.Operations > before.Operations || after == before)
            {
                // Nothing smaller that fails the same way: the input is the answer, copied so the output always exists.
                if (System.IO.Path.GetFullPath(path) != System.IO.Path.GetFullPath(options.Path))
                {
                    File.Copy(options.Path, path, overwrite: true);
                }

                return new ShrinkResult
                {
                    Path = options.Path, OutputPath = path, Violation = trace.Violation, Invariant = invariant, Before = before, After = before,
                    Skipped = scenario is SkippingScenario s1 ? [.. s1.Skipped.OrderBy(x => x.Cpu).ThenBy(x => x.Index)] : [],
                    Candidates = candidates, Elapsed = clock.Elapsed, BudgetExhausted = exhausted, Smaller = false,
                };
            }

            var config = shrunk.Configure(design);
            var output = FailureTrace.Of(TraceFile.DfsEngine, shrunk, config, Designs.Designs.Name(design), Explorer.BugNames(bugs), trace.MaxSteps,
                best.Violation, best.Steps, best.SetupSteps, trace.ElidedLock, invariant) with
            {
                PreemptionBound = best.Bound,
                Reduction = true,
                ScheduleNumber = Math.Max(1, best.ScheduleNumber),
                Preemptions = best.Preemptions,
                Schedule = best.Schedule,
            };
            FailureTrace.Save(shrunk, output, path);
            return new ShrinkResult
            {
                Path = options.Path,
                OutputPath = path,
                Violation = best.Violation,
                Invariant = invariant,
                Before = before,
                After = after,
                Skipped = [.. skip.OrderBy(x => x.Cpu).ThenBy(x => x.Index)],
                Candidates = candidates,
                Elapsed = clock.Elapsed,
                BudgetExhausted = exhausted,
                Smaller = true,
            };
        }
        finally
        {
            if (Directory.Exists(tempDir))
            {
                Directory.Delete(tempDir, recursive: true);
            }
        }
    }

    /// <summary>NAME.trace.json becomes NAME.shrunk.trace.json, beside it.</summary>
    public static string DefaultOutput(string path)
    {
        var name = System.IO.Path.GetFileName(path);
        var stem = name.EndsWith(".trace.json", StringComparison.Ordinal) ? name[..^".trace.json".Length]
            : name.EndsWith(".json", StringComparison.Ordinal) ? name[..^".json".Length] : name;
        return System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) ?? ".", stem + ".shrunk.trace.json");
    }

    /// <summary>
    /// A reproduction's scenario without its interrupts: shrink searches under our scheduler (<c>DfsController</c>), which does not
    /// stall, so the shrunk trace's embedded file and configuration leave them out rather than name stalls it never took.
    /// </summary>
    internal static Scenario WithoutInterrupts(Scenario scenario) =>
        scenario is Repro.ReproScenario { File.Interrupts: not null } r ? new Repro.ReproScenario(r.File with { Interrupts = null }, r.Window) : scenario;

    private static Scenario Wrap(Scenario scenario, HashSet<ScriptOp> skip) => skip.Count == 0 ? scenario : new SkippingScenario(scenario, skip);

    private static ScheduleRunOptions RunOptions(Scenario s, DesignKind design, InjectedBug bugs, LockElision? elision, IReadOnlyList<ScheduleStep> schedule, uint maxSteps) => new()
    {
        Scenario = s.Name,
        Design = design,
        Bugs = bugs,
        Elision = elision,
        Schedule = schedule,
        MaxSteps = (int)Math.Min(maxSteps, 1_000_000),
    };

    /// <summary>
    /// The script operations of the failing run, by CPU and index (skipped ones count in the index), last first: an
    /// operation late in a script is the likeliest to be after the failure already.
    /// </summary>
    private static IEnumerable<ScriptOp> ScriptOps(IReadOnlyList<TraceStep> steps, int setup, HashSet<ScriptOp> skipped)
    {
        var begins = steps.Skip(setup).Where(s => s.Kind == "begin").GroupBy(s => s.Cpu).ToDictionary(g => g.Key, g => g.Count());
        var ops = new List<ScriptOp>();
        foreach (var (cpu, count) in begins.OrderBy(kv => kv.Key))
        {
            var total = count + skipped.Count(s => s.Cpu == cpu);
            for (var i = 0; i < total; i++)
            {
                if (!skipped.Contains(new ScriptOp(cpu, i)))
                {
                    ops.Add(new ScriptOp(cpu, i));
                }
            }
        }

        return ops.OrderByDescending(o => o.Index).ThenBy(o => o.Cpu);
    }

    /// <summary>Schedule edits that remove context switches: a CPU's next run moved up to join its previous one; the schedule cut after a run.</summary>
    private static IEnumerable<IReadOnlyList<ScheduleStep>> Edits(IReadOnlyList<ScheduleStep> schedule)
    {
        var runs = new List<(int Start, int Length)>();
        for (var i = 0; i < schedule.Count; i++)
        {
            if (i == 0 || schedule[i].Cpu != schedule[i - 1].Cpu)
            {
                runs.Add((i, 1));
            }
            else
            {
                runs[^1] = (runs[^1].Start, runs[^1].Length + 1);
            }
        }

        for (var j = 0; j + 2 < runs.Count; j++)
        {
            if (schedule[runs[j].Start].Cpu != schedule[runs[j + 2].Start].Cpu)
            {
                continue;
            }

            var edited = new List<ScheduleStep>(schedule.Count);
            edited.AddRange(schedule.Take(runs[j].Start + runs[j].Length));
            edited.AddRange(schedule.Skip(runs[j + 2].Start).Take(runs[j + 2].Length));
            edited.AddRange(schedule.Skip(runs[j + 1].Start).Take(runs[j + 1].Length));
            edited.AddRange(schedule.Skip(runs[j + 2].Start + runs[j + 2].Length));
            yield return edited;
        }

        for (var j = runs.Count - 2; j >= 0; j--)
        {
            yield return schedule.Take(runs[j].Start + runs[j].Length).ToArray();
        }
    }

    /// <summary>A failing schedule our scheduler found, with what it ran.</summary>
    private sealed record Found(IReadOnlyList<ScheduleStep> Schedule, string Violation, IReadOnlyList<TraceStep> Steps, int Preemptions, int Bound, long ScheduleNumber,
        int SetupSteps);

    /// <summary>The exhaustive search at bounds 0, 1, ... for a schedule failing with the trace's violation class.</summary>
    private sealed class Search(DesignKind design, InjectedBug bugs, LockElision? elision, string invariant, ShrinkOptions options, string dir, int maxSteps)
    {
        public Found? Find(Scenario scenario)
        {
            for (var bound = 0; bound <= options.MaxPreemptionBound; bound++)
            {
                ExhaustiveResult r;
                try
                {
                    r = ExhaustiveExplorer.Explore(scenario, new ExhaustiveOptions
                    {
                        Scenario = scenario.Name,
                        Design = design,
                        Bugs = bugs,
                        Elision = elision,
                        PreemptionBound = bound,
                        TimeBudget = options.SearchBudget,
                        TraceDirectory = dir,
                        MaxSteps = maxSteps,
                    });
                }
                catch (InvalidOperationException)
                {
                    // Not deterministic under our scheduler without that operation: not a candidate.
                    return null;
                }

                if (r.Verdict == ExhaustiveVerdict.BugFound)
                {
                    if (!Violations.Names(r.Violation!, invariant))
                    {
                        return null;
                    }

                    var setup = TraceFile.Load(r.TracePath!).SetupSteps ?? 0;
                    return new Found(r.Schedule, r.Violation!, r.Steps, r.Preemptions ?? 0, bound, r.FailingSchedule ?? 1, setup);
                }
            }

            return null;
        }
    }
}
