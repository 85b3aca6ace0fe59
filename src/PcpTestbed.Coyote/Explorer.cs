using System.Diagnostics;
using Microsoft.Coyote;
using Microsoft.Coyote.Logging;
using Microsoft.Coyote.SystematicTesting;
using PcpTestbed.Designs;

namespace PcpTestbed.Coyote;

/// <summary>
/// Runs a scenario under Coyote for many iterations and returns a clean bill or the first bug (the first of the class sought,
/// <see cref="ExploreOptions.SoughtInvariant"/>, the others counted), with a trace file that <see cref="Replayer"/> replays.
/// Engines are independent per calling thread (Coyote keeps its runtime per thread), so explorations may run in parallel.
/// </summary>
public static class Explorer
{
    public static ExploreResult Explore(ExploreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Explore(ScenarioLookup.Find(options.Scenario, nameof(options)), options);
    }

    /// <summary>Explores a scenario that need not be in the catalogue (the engine's own tests use this); its traces cannot be replayed by name.</summary>
    internal static ExploreResult Explore(Scenario scenario, ExploreOptions options)
    {
        ScenarioLookup.CheckApplies(scenario, options.Design, nameof(options));
        if (options.Iterations < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Iterations, "expected at least one iteration");
        }

        var config = scenario.Configure(options.Design);
        var runner = new IterationRunner(scenario, options.Design, options.Bugs, config, options.Elision, options.CheckLockOrder)
        {
            Deadline = options.TimeLimit is { } limit ? Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * Stopwatch.Frequency) : 0,
        };
        var cfg = Configure(Configuration.Create(), options.MaxSteps, options.PartialOrderSampling, config.DeadlockTimeout)
            .WithTestingIterations((uint)options.Iterations)
            .WithRandomGeneratorSeed(options.Seed);
        cfg = SchedulingStrategies.Apply(cfg, options.Strategy, options.StrategyBound);
        var others = new List<(int Iteration, string Violation)>();
        if (options.SoughtInvariant != null)
        {
            // Coyote goes on past a bug; EndAt below ends the run after the iteration that should end it.
            cfg = cfg.WithTestIterationsRunToCompletion();
        }

        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        var started = 0;
        using (var engine = TestingEngine.Create(cfg, () => runner.RunIteration(new CoyoteController(config.Cpus))))
        {
            Silence(engine);
            engine.RegisterStartIterationCallBack(i =>
            {
                started = (int)i + 1;
                if (options.Progress != null && clock.Elapsed - lastReport >= options.ProgressInterval)
                {
                    lastReport = clock.Elapsed;
                    options.Progress(new ExploreProgress((int)i, options.Iterations, i / Math.Max(clock.Elapsed.TotalSeconds, 1e-9), clock.Elapsed, others.Count));
                }
            });
            if (options.SoughtInvariant is { } sought)
            {
                engine.RegisterEndIterationCallBack(i => EndAt(cfg, runner.Last, sought, (int)i + 1, others));
            }

            engine.Run();
            clock.Stop();

            var report = engine.TestReport;
            var outOfTime = runner.Last?.OutOfTime == true;

            // Each iteration gone past is one of Coyote's bugs: found only if the last iteration was another.
            var found = report.NumOfFoundBugs > others.Count && !outOfTime;
            var iterations = outOfTime ? started - 1 : started;
            var rate = iterations / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
            options.Progress?.Invoke(new ExploreProgress(iterations, options.Iterations, rate, clock.Elapsed, others.Count));

            var result = new ExploreResult
            {
                Scenario = scenario.Name,
                Design = Designs.Designs.Name(options.Design),
                Bugs = BugNames(options.Bugs),
                Strategy = SchedulingStrategies.Name(options.Strategy),
                Seed = options.Seed,
                Iterations = iterations,
                BugFound = found,
                OutOfTime = outOfTime,
                Elapsed = clock.Elapsed,
                IterationsPerSecond = rate,
                Elision = options.Elision?.ToString(),
                Coverage = runner.Coverage.Report(),
                LockOrder = runner.Order.Edges(),
                OtherViolations = others.Count,
                FirstOtherViolation = others.Count > 0 ? others[0].Violation : null,
                FirstOtherIteration = others.Count > 0 ? others[0].Iteration : null,
            };
            if (!found)
            {
                return result;
            }

            var violation = runner.Last?.Violation ?? report.BugReports.FirstOrDefault(b => !others.Exists(o => o.Violation == b)) ??
                "(Coyote reported a bug without a message)";
            var steps = runner.Last?.ReadableSteps() ?? [];
            var trace = FailureTrace.Of(TraceFile.CoyoteEngine, scenario, config, result.Design, result.Bugs, options.MaxSteps, violation, steps,
                runner.Last?.SetupSteps, options.Elision?.ToString(), options.SoughtInvariant) with
            {
                Strategy = result.Strategy,
                StrategyBound = options.StrategyBound,
                Seed = options.Seed,
                FirstBugIteration = iterations,
                CoyoteTrace = engine.ReproducibleTrace,
                PartialOrderSampling = options.PartialOrderSampling,
                LockOrderBefore = runner.Order.EdgesBefore(runner.Iteration),
            };
            var path = Path.Combine(options.TraceDirectory ?? FailureTrace.DefaultDirectory, TraceFileName(result, iterations));
            trace = FailureTrace.Save(scenario, trace, path);
            return result with
            {
                FirstBugIteration = iterations,
                Violation = violation,
                Invariant = trace.Invariant,
                TracePath = path,
                Steps = steps,
            };
        }
    }

    /// <summary>
    /// Called as each iteration ends (numbered from 1) when a class is sought: an iteration that met another class in its
    /// interleaved part joins <paramref name="others"/> and the run goes on; one that met the class sought, a violation in setup,
    /// a report of Coyote's own or the time limit is the last (<see cref="ExploreOptions.SoughtInvariant"/>). Coyote's loop reads
    /// the configuration's iteration bound before each iteration, and with the run to completion nothing else ends it, so
    /// lowering the bound to this iteration's number ends the run here; Coyote then keeps this iteration's schedule as its
    /// reproducible trace (it writes it after this callback, from the iteration's own schedule).
    /// </summary>
    private static void EndAt(Configuration cfg, IterationState? last, string sought, int iteration, List<(int, string)> others)
    {
        if (last is null || last.Passed)
        {
            return;
        }

        if (last.Violation is { } violation && last.Scheduling && !last.OutOfTime && !Violations.Names(violation, sought))
        {
            others.Add((iteration, violation));
            return;
        }

        cfg.WithTestingIterations((uint)iteration);
    }

    /// <summary>
    /// Settings every engine shares, exploring and replaying: no telemetry (no network here), generous step
    /// bounds whose overrun is a failure (an operation that never completes; the bound has to be set again on
    /// replay, Coyote's trace does not carry it).
    /// </summary>
    internal static Configuration Configure(Configuration cfg, uint maxSteps, bool partialOrderSampling, TimeSpan? deadlockTimeout)
    {
        cfg = cfg.WithTelemetryEnabled(false)
           .WithMaxSchedulingSteps(maxSteps, maxSteps * 10)
           .WithFailureOnMaxStepsBoundEnabled(true)
           .WithPotentialDeadlocksReportedAsBugs(true)
           .WithPartialOrderSamplingEnabled(partialOrderSampling);
        return deadlockTimeout is { } t ? cfg.WithDeadlockTimeout((uint)Math.Min(t.TotalMilliseconds, uint.MaxValue)) : cfg;
    }

    /// <summary>TestingEngine.Create always installs a console logger; this replaces it with a silent one.</summary>
    internal static void Silence(TestingEngine engine) =>
        engine.SetLogger(new TextWriterLogger(TextWriter.Null, VerbosityLevel.None));

    internal static IReadOnlyList<string> BugNames(InjectedBug bugs) =>
        InjectedBugs.All.Where(b => (bugs & b) != 0).Select(InjectedBugs.Name).ToArray();

    private static string TraceFileName(ExploreResult r, int iteration) =>
        $"{r.Scenario}.{r.Design}.{BugsForFileName(r.Bugs, r.Elision)}.{r.Strategy}.seed{r.Seed}.it{iteration}.trace.json";

    /// <summary>The bugs and elided lock of a run, as a trace file's name holds them.</summary>
    internal static string BugsForFileName(IReadOnlyList<string> bugNames, string? elision)
    {
        var bugs = bugNames.Count == 0 ? "no-bugs" : string.Join('+', bugNames);
        if (elision != null)
        {
            // "zone->lock@rmqueue_bulk" in a file name: no '>' or ':' on every file system.
            bugs += ".elide-" + elision.Replace("->", "-", StringComparison.Ordinal).Replace(':', '-').Replace('@', '-');
        }

        return bugs;
    }
}
