using System.Diagnostics;
using Microsoft.Coyote;
using Microsoft.Coyote.SystematicTesting;
using PcpTestbed.Designs;

namespace PcpTestbed.Coyote;

/// <summary>
/// Replays a trace file: the same scenario, design, bugs and machine, with Coyote following the stored
/// schedule decision by decision. A damaged or foreign file is a <see cref="TraceFormatException"/>.
/// </summary>
public static class Replayer
{
    public static ReplayResult Replay(string path)
    {
        var trace = TraceFile.Load(path);
        var scenario = Catalog.FindScenario(trace.Scenario)
                       ?? throw new TraceFormatException(path, $"names the unknown scenario '{trace.Scenario}'; this build has {Catalog.ScenarioNames}");
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

        var runner = new IterationRunner(scenario, design, bugs, config, elision);
        if (!runner.Order.TrySeed(trace.LockOrderBefore))
        {
            throw new TraceFormatException(path, "has a lockOrderBefore entry naming an unknown lock class or site");
        }

        var clock = Stopwatch.StartNew();
        TestingEngine engine;
        try
        {
            var cfg = Explorer.Configure(Configuration.Create(), trace.MaxSteps, trace.PartialOrderSampling).WithReproducibleTrace(trace.CoyoteTrace);
            engine = TestingEngine.Create(cfg, runner.RunIteration);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new TraceFormatException(path, $"holds a Coyote trace that Coyote rejects: {e.GetType().Name}: {e.Message}", e);
        }

        using (engine)
        {
            Explorer.Silence(engine);
            try
            {
                engine.Run();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new TraceFormatException(path, $"holds a Coyote trace that Coyote cannot replay: {e.GetType().Name}: {e.Message}", e);
            }

            clock.Stop();
            var report = engine.TestReport;
            if (report.InternalErrors.Count > 0)
            {
                throw new TraceFormatException(path, $"holds a Coyote trace that Coyote cannot replay: {report.InternalErrors.First()}");
            }

            string? violation = null;
            if (report.NumOfFoundBugs > 0)
            {
                violation = runner.Last?.Violation ?? report.BugReports.FirstOrDefault();
            }

            return new ReplayResult
            {
                Path = path,
                Scenario = scenario.Name,
                Design = trace.Design,
                Bugs = trace.Bugs,
                Reproduced = violation != null && violation == trace.Violation,
                Violation = violation,
                ExpectedViolation = trace.Violation,
                Steps = runner.Last?.ReadableSteps() ?? [],
                Elapsed = clock.Elapsed,
            };
        }
    }
}
