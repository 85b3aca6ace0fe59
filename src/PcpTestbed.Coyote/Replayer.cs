using System.Diagnostics;
using Microsoft.Coyote;
using Microsoft.Coyote.SystematicTesting;
using PcpTestbed.Coyote.Dfs;
using PcpTestbed.Designs;

namespace PcpTestbed.Coyote;

/// <summary>
/// Replays a trace file: the same scenario, design, bugs and machine, with the recorded schedule followed decision by
/// decision, by Coyote (a "coyote" trace) or by our scheduler (a "dfs" trace). Each replayed step's point (CPU, kind,
/// site) is compared with the recorded one: at the first that differs the code has changed since the trace was written,
/// and the result says where (<see cref="ReplayResult.Divergence"/>). A damaged or foreign file is a
/// <see cref="TraceFormatException"/>.
/// </summary>
public static class Replayer
{
    public static ReplayResult Replay(string path)
    {
        var trace = TraceFile.Load(path);
        var (scenario, design, bugs, config, elision) = Resolve(path, trace);
        var clock = Stopwatch.StartNew();
        var result = trace.Engine == TraceFile.DfsEngine
            ? ReplayDfs(path, trace, scenario, design, bugs, elision)
            : ReplayCoyote(path, trace, scenario, design, bugs, config, elision);
        clock.Stop();
        return result with
        {
            Elapsed = clock.Elapsed,
            RecordedSiteTable = trace.SiteTable,
            SiteTableChanged = trace.SiteTable.Fingerprint != SiteTable.Current.Fingerprint,
            SetupSteps = Math.Min(trace.SetupSteps ?? 0, result.Steps.Count),
        };
    }

    /// <summary>The scenario a trace names: a catalogued one, or the reproduction file it carries, with its skipped operations.</summary>
    internal static Scenario ScenarioOf(string path, TraceFile trace)
    {
        Scenario scenario;
        if (trace.Repro is { } repro)
        {
            try
            {
                repro.Check(path);
            }
            catch (Repro.ReproFormatException e)
            {
                throw new TraceFormatException(path, $"carries a damaged reproduction: {e.Problem}", e);
            }

            if (trace.ReproWindow is not { } window || window < 1)
            {
                throw new TraceFormatException(path, "carries a reproduction without its window (reproWindow, 1 or more)");
            }

            scenario = new Repro.ReproScenario(repro, window);
        }
        else
        {
            scenario = Catalog.FindScenario(trace.Scenario)
                       ?? throw new TraceFormatException(path, $"names the unknown scenario '{trace.Scenario}'; this build has {Catalog.ScenarioNames}" +
                                                               (trace.Scenario == Repro.ReproScenario.ScenarioName ? " (a repro trace must carry its reproduction)" : ""));
        }

        return trace.SkippedOperations is { Count: > 0 } skipped ? new SkippingScenario(scenario, skipped.ToHashSet()) : scenario;
    }

    internal static (Scenario Scenario, DesignKind Design, InjectedBug Bugs, ScenarioConfig Config, LockElision? Elision) Resolve(string path, TraceFile trace)
    {
        var scenario = ScenarioOf(path, trace);
        if (!Designs.Designs.TryParse(trace.Design, out var design))
        {
            throw new TraceFormatException(path, $"names the unknown design '{trace.Design}'; expected one of {Designs.Designs.Names}");
        }

        if (!scenario.AppliesTo(design))
        {
            throw new TraceFormatException(path, $"runs scenario '{scenario.Name}' on design {trace.Design}, which the scenario does not apply to");
        }

        var bugs = InjectedBug.None;
        foreach (var name in trace.Bugs)
        {
            if (!InjectedBugs.TryParse(name, out var bug))
            {
                throw new TraceFormatException(path, $"names the unknown injected bug '{name}'; expected some of {InjectedBugs.Names}");
            }

            bugs |= bug;
        }

        var config = scenario.Configure(design);
        var recorded = trace.Configuration.Describe()
                       ?? throw new TraceFormatException(path, "has a configuration that cannot be read (highatomic variant or watermarks)");
        if (recorded != config.Describe())
        {
            throw new TraceFormatException(path,
                $"was recorded on the machine '{recorded}', but scenario '{scenario.Name}' now runs on '{config.Describe()}': the schedule would not fit");
        }

        LockElision? elision = null;
        if (trace.ElidedLock != null)
        {
            if (!LockElision.TryParse(trace.ElidedLock, out var e))
            {
                throw new TraceFormatException(path, $"names the unknown elided lock '{trace.ElidedLock}'; expected CLASS@SITE, e.g. zone->lock@rmqueue_bulk");
            }

            elision = e;
        }

        if (!new Model.Sync.LockOrderGraph().TrySeed(trace.LockOrderBefore))
        {
            throw new TraceFormatException(path, "has a lockOrderBefore entry naming an unknown lock class or site");
        }

        return (scenario, design, bugs, config, elision);
    }

    private static ReplayResult ReplayDfs(string path, TraceFile trace, Scenario scenario, DesignKind design, InjectedBug bugs, LockElision? elision)
    {
        if (trace.MaxSteps < 1)
        {
            throw new TraceFormatException(path, "has maxSteps 0; expected at least 1");
        }

        if (trace.Schedule!.Any(s => s.Cpu >= trace.Configuration.Cpus))
        {
            throw new TraceFormatException(path, $"has a schedule step on a CPU the machine does not have ({trace.Configuration.Cpus} CPUs)");
        }

        var run = ScheduleRunner.Run(scenario, new ScheduleRunOptions
        {
            Scenario = scenario.Name,
            Design = design,
            Bugs = bugs,
            Schedule = trace.Schedule!,
            StopAtDivergence = true,
            Elision = elision,
            LockOrderBefore = trace.LockOrderBefore,
            MaxSteps = (int)Math.Min(trace.MaxSteps, int.MaxValue),
        });
        return new ReplayResult
        {
            Path = path,
            Engine = TraceFile.DfsEngine,
            Scenario = scenario.Name,
            Design = trace.Design,
            Bugs = trace.Bugs,
            Reproduced = run.Divergence == null && run.Reproduces(trace.Violation),
            Violation = run.Violation,
            ExpectedViolation = trace.Violation,
            Steps = run.Steps,
            Divergence = run.Divergence,
        };
    }

    private static ReplayResult ReplayCoyote(string path, TraceFile trace, Scenario scenario, DesignKind design, InjectedBug bugs, ScenarioConfig config, LockElision? elision)
    {
        var runner = new IterationRunner(scenario, design, bugs, config, elision);
        runner.Order.TrySeed(trace.LockOrderBefore);
        TestingEngine engine;
        try
        {
            var cfg = Explorer.Configure(Configuration.Create(), trace.MaxSteps, trace.PartialOrderSampling, config.DeadlockTimeout).WithReproducibleTrace(trace.CoyoteTrace!);
            engine = TestingEngine.Create(cfg, () => runner.RunIteration(new CoyoteController(config.Cpus)));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new TraceFormatException(path, $"holds a Coyote trace that Coyote rejects: {e.GetType().Name}: {e.Message}", e);
        }

        using (engine)
        {
            Explorer.Silence(engine);
            string? failure = null;
            try
            {
                engine.Run();
                if (engine.TestReport.InternalErrors.Count > 0)
                {
                    failure = engine.TestReport.InternalErrors.First();
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                failure = $"{e.GetType().Name}: {e.Message}";
            }

            var steps = runner.Last?.ReadableSteps() ?? [];
            var divergence = Divergence.Between(trace.Steps, steps);
            if (failure != null && divergence == null)
            {
                // The recorded steps all came back as far as the replay got: the Coyote schedule itself is damaged.
                throw new TraceFormatException(path, $"holds a Coyote trace that Coyote cannot replay: {failure}");
            }

            string? violation = null;
            if (failure == null && engine.TestReport.NumOfFoundBugs > 0)
            {
                violation = runner.Last?.Violation ?? engine.TestReport.BugReports.FirstOrDefault();
            }

            divergence ??= Divergence.AtCleanEnd(trace.Steps, steps, violation != null);

            return new ReplayResult
            {
                Path = path,
                Engine = TraceFile.CoyoteEngine,
                Scenario = scenario.Name,
                Design = trace.Design,
                Bugs = trace.Bugs,
                Reproduced = divergence == null && violation != null && violation == trace.Violation,
                Violation = violation,
                ExpectedViolation = trace.Violation,
                Steps = steps,
                Divergence = divergence,
            };
        }
    }
}
