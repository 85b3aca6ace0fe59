using System.CommandLine;
using PcpTestbed.Coyote;
using PcpTestbed.Coyote.Dfs;
using PcpTestbed.Coyote.Repro;
using PcpTestbed.Designs;
using PcpTestbed.Model.Sync;
using PcpTestbed.Stress.Cli;
using PcpTestbed.Stress.Output;
using PcpTestbed.Stress.Reports;
using Spectre.Console;

namespace PcpTestbed.Stress.Commands;

/// <summary>
/// `explore` (issue 5): a Coyote exploration of a scenario on a design, optionally with injected bugs; a clean
/// bill or the first bug with its trace file. Scenario and design default to the catalogue's for --bug.
/// </summary>
public static class ExploreCommand
{
    public const int DefaultIterations = 1000;
    public const int MaxIterations = 100_000_000;
    private const int ShownSteps = 40;
    private const int ShownPairs = 30;

    public static Command Create(StressConsole io)
    {
        var scenario = CommonOptions.Choice<int>("--scenario", $"The scenario: {Catalog.ScenarioNames}", "scenario", TryScenario, Catalog.ScenarioNames);
        var design = CommonOptions.Choice<DesignKind>("--design", $"The design: {Designs.Designs.Names} (default: the bug's design, else the scenario's first)",
            "design", CommonOptions.TryDesign, Designs.Designs.Names);
        var bugs = CommonOptions.Choices<InjectedBug>("--bug", $"Injected bugs to switch on, comma-separated: {InjectedBugs.Names}", "bug",
            (string t, out InjectedBug b, out string p) =>
            {
                p = "";
                return InjectedBugs.TryParse(t, out b);
            }, InjectedBugs.All, InjectedBugs.Names, "--bugs");
        var iterations = CommonOptions.Int("--iterations", $"Iterations to explore at most; the first bug stops it (default {DefaultIterations})", 1, MaxIterations);
        var strategy = CommonOptions.Choice<SchedulingStrategy>("--strategy", $"Coyote's exploration strategy: {SchedulingStrategies.Names} (default portfolio)",
            "strategy", (string t, out SchedulingStrategy s, out string p) =>
            {
                p = "";
                return SchedulingStrategies.TryParse(t, out s);
            }, SchedulingStrategies.Names, "NAME");
        var bound = CommonOptions.Long("--strategy-bound", "The strategy's bound: PCT priority changes, delay-bounding delays, the probabilistic level", 0, uint.MaxValue);
        var seed = CommonOptions.Long("--seed", "Coyote's random seed (default 1); Coyote adds 1 per iteration, so space independent runs far apart", 0, uint.MaxValue);
        var maxSteps = CommonOptions.Long("--max-steps", "Scheduling steps an iteration may take before it counts as never completing (default 20000)", 100, 100_000_000);
        var traceOut = new Option<string?>("--trace-out") { Description = "Write the trace file of a bug here (default: a file under the temp folder, printed)", HelpName = "FILE" };
        var elide = CommonOptions.Choice<LockElision>("--elide",
            "Skip every acquisition of one lock at one site, and its release (the scenarios' self-check): CLASS@SITE, e.g. zone->lock@rmqueue_bulk",
            "lock site", (string t, out LockElision e, out string p) =>
            {
                p = "";
                return LockElision.TryParse(t, out e);
            }, "zone->lock@SITE or pcp->lock@SITE, SITE one of " + string.Join(", ", LockSites.All.Select(LockSites.KernelName)), "CLASS@SITE");
        var coverage = new Option<bool>("--coverage") { Description = "Print the coverage tables: sites reached, sites adjacent on different CPUs, sites never reached" };
        var partialOrder = new Option<bool>("--partial-order-sampling")
        {
            Description = "Coyote's partial-order sampling: CPUs not at a shared read or write run first, so racing accesses meet",
        };
        var exhaustive = new Option<bool>("--exhaustive")
        {
            Description = "Run every schedule with at most --preemption-bound preemptions under our own scheduler, pruned by partial-order reduction: " +
                          "the scenario holds for every interleaving within the bound, or the first bug and a trace file",
        };
        var preemptionBound = CommonOptions.Int("--preemption-bound", $"--exhaustive: preemptions a schedule may have (default {ExhaustiveOptions.DefaultPreemptionBound})", 0, 100);
        var noReduction = new Option<bool>("--no-reduction") { Description = "--exhaustive: run every schedule within the bound, without partial-order reduction" };
        var timeBudget = CommonOptions.Long("--time-budget",
            $"--exhaustive: give up after this many seconds, with no verdict and exit 3 (default {ExhaustiveExploreCommand.DefaultTimeBudgetSeconds}; 0 for none); " +
            $"--from-repro: stop after this many seconds, inside an iteration too (default {ReproExploreCommand.DefaultTimeBudgetSeconds})", 0, 1_000_000, "SECONDS");
        var fromRepro = new Option<string?>("--from-repro")
        {
            Description = "Search interleavings of a reproduction file's operations (written by run, compare or soak when a run broke) from the state it rebuilds, " +
                          $"until the recorded violation's class comes back; --iterations per window size (default {ReproExploreOptions.DefaultIterationsPerWindow}, " +
                          "then as many more a size, round after round, until the budget is out), " +
                          $"--time-budget (default {ReproExploreCommand.DefaultTimeBudgetSeconds} s)",
            HelpName = "FILE",
        };
        var noBallast = new Option<bool>("--no-ballast")
        {
            Description = "--from-repro: rebuild a fresh zone, without the file's snapshot or ballast (the pages the run held at the window's start), as files written before either rebuild",
        };
        var noSnapshot = new Option<bool>("--no-snapshot")
        {
            Description = "--from-repro: rebuild with the file's ballast, not its snapshot (the allocator's exact state at the window's start), as files written before it rebuild",
        };
        var noIrq = new Option<bool>("--no-irq") { Description = "--from-repro: search without the file's interrupts (the run's --irq-site stalls)" };
        var irqSite = new Option<string?>("--irq-site")
        {
            Description = "--from-repro: land interrupts at these scheduling-point sites (comma-separated), as the run's --irq-site; for a file that has none, " +
                          $"at every point of them, {ReproInterrupts.DefaultDelayNs:N0} ns",
            HelpName = "SITE,SITE,...",
        };
        var irqSteps = CommonOptions.Int("--irq-steps",
            $"--from-repro: an interrupt stalls its CPU until the others took this many scheduling steps (default: the delay over {ReproInterrupts.NsPerStep} ns a step, at most {ReproInterrupts.MaxDerivedSteps})", 1, int.MaxValue, "N");
        var shrink = new Option<string?>("--shrink") { Description = "Shrink a trace file (as the shrink verb does)", HelpName = "TRACE" };
        var json = CommonOptions.JsonFile();
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress" };
        var command = new Command("explore",
            "Explore a scenario's interleavings: under Coyote, a clean bill over the iterations or the first bug and a trace file to replay; " +
            "with --exhaustive, every schedule within a preemption bound under our own scheduler")
        {
            scenario, design, bugs, iterations, strategy, bound, seed, maxSteps, traceOut, json, quiet, elide, coverage, partialOrder,
            exhaustive, preemptionBound, noReduction, timeBudget, fromRepro, noBallast, noSnapshot, noIrq, irqSite, irqSteps, shrink,
        };
        command.SetAction(r =>
        {
            if (r.GetValue(fromRepro) is { } reproPath)
            {
                var other = new (string Name, bool Given)[]
                {
                    ("--scenario", r.GetValue(scenario) != null), ("--design", r.GetValue(design) != null), ("--bug", r.GetValue(bugs) != null),
                    ("--exhaustive", r.GetValue(exhaustive)), ("--elide", r.GetValue(elide) != null), ("--shrink", r.GetValue(shrink) != null),
                    ("--preemption-bound", r.GetValue(preemptionBound) != null), ("--no-reduction", r.GetValue(noReduction)),
                };
                if (other.FirstOrDefault(o => o.Given) is { Name: { } clash })
                {
                    throw new UsageException($"{clash} does not go with --from-repro: the reproduction file says what ran");
                }

                if (r.GetValue(noIrq) && (r.GetValue(irqSite) != null || r.GetValue(irqSteps) != null))
                {
                    throw new UsageException("--no-irq does not go with --irq-site or --irq-steps: it searches without interrupts");
                }

                var irqSites = r.GetValue(irqSite)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                if (irqSites != null && ReproInterrupts.UnknownSite(irqSites) is { } bad)
                {
                    throw new UsageException($"--irq-site: '{bad}' is not a scheduling-point site; expected names such as lock:free_unref_page:remote (the names coverage lists)");
                }

                return ReproExploreCommand.Run(io, new ReproExploreCommand.Request(reproPath, r.GetValue(iterations) ?? ReproExploreOptions.DefaultIterationsPerWindow,
                    r.GetValue(timeBudget) ?? ReproExploreCommand.DefaultTimeBudgetSeconds, (uint)(r.GetValue(seed) ?? 1), r.GetValue(strategy) ?? SchedulingStrategy.Portfolio,
                    CheckedOut(r.GetValue(traceOut), "--trace-out"), CheckedOut(r.GetValue(json), "--json"), r.GetValue(quiet), r.GetValue(noBallast), r.GetValue(noSnapshot),
                    r.GetValue(noIrq), irqSites, r.GetValue(irqSteps), MoreRounds: r.GetValue(iterations) == null));
            }

            if (r.GetValue(noBallast))
            {
                throw new UsageException("--no-ballast goes with --from-repro only");
            }

            if (r.GetValue(noSnapshot))
            {
                throw new UsageException("--no-snapshot goes with --from-repro only");
            }

            if (r.GetValue(noIrq) || r.GetValue(irqSite) != null || r.GetValue(irqSteps) != null)
            {
                throw new UsageException("--no-irq, --irq-site and --irq-steps go with --from-repro only");
            }

            if (r.GetValue(shrink) is { } shrinkPath)
            {
                return ShrinkCommand.Run(io, new ShrinkCommand.Request(shrinkPath, CheckedOut(r.GetValue(traceOut), "--trace-out"), CheckedOut(r.GetValue(json), "--json"),
                    r.GetValue(quiet)));
            }

            var bugList = r.GetValue(bugs) ?? [];
            var bugSet = bugList.Aggregate(InjectedBug.None, (a, b) => a | b);
            var catalogued = bugList.Count > 0 ? Catalog.FindBug(bugList[0]) : null;
            var scenarioObj = r.GetValue(scenario) is { } si ? Catalog.Scenarios[si]
                : catalogued != null ? Catalog.FindScenario(catalogued.Scenario)!
                : throw new UsageException($"explore needs --scenario (one of {Catalog.ScenarioNames}) or a catalogued --bug");
            var designKind = r.GetValue(design)
                             ?? (catalogued != null && catalogued.Scenario == scenarioObj.Name ? catalogued.DesignKind : scenarioObj.Designs[0]);
            if (!scenarioObj.AppliesTo(designKind))
            {
                throw new UsageException(
                    $"--design {Designs.Designs.Name(designKind)}: scenario {scenarioObj.Name} runs on {string.Join(", ", scenarioObj.Designs.Select(Designs.Designs.Name))}");
            }

            var tracePath = r.GetValue(traceOut);
            if (tracePath != null)
            {
                OutputFiles.CheckWritable(tracePath, "--trace-out");
            }

            var jsonPath = r.GetValue(json);
            if (jsonPath != null)
            {
                OutputFiles.CheckWritable(jsonPath, "--json");
            }

            if (r.GetValue(exhaustive))
            {
                var coyoteOnly = new (string Name, bool Given)[]
                {
                    ("--iterations", r.GetValue(iterations) != null), ("--strategy", r.GetValue(strategy) != null), ("--strategy-bound", r.GetValue(bound) != null),
                    ("--seed", r.GetValue(seed) != null), ("--partial-order-sampling", r.GetValue(partialOrder)),
                };
                if (coyoteOnly.FirstOrDefault(o => o.Given) is { Name: { } option })
                {
                    throw new UsageException($"{option} applies to Coyote's exploration, not to --exhaustive (which runs every schedule within --preemption-bound)");
                }

                return ExhaustiveExploreCommand.Run(io, new ExhaustiveExploreCommand.Request(scenarioObj, designKind, bugList, bugSet, r.GetValue(elide),
                    r.GetValue(preemptionBound) ?? ExhaustiveOptions.DefaultPreemptionBound, !r.GetValue(noReduction),
                    r.GetValue(timeBudget) ?? ExhaustiveExploreCommand.DefaultTimeBudgetSeconds, (int)(r.GetValue(maxSteps) ?? 20_000),
                    tracePath, jsonPath, r.GetValue(quiet), r.GetValue(coverage)));
            }

            var exhaustiveOnly = new (string Name, bool Given)[]
            {
                ("--preemption-bound", r.GetValue(preemptionBound) != null), ("--no-reduction", r.GetValue(noReduction)), ("--time-budget", r.GetValue(timeBudget) != null),
            };
            if (exhaustiveOnly.FirstOrDefault(o => o.Given) is { Name: { } exhaustiveOption })
            {
                throw new UsageException($"{exhaustiveOption} applies to --exhaustive only");
            }

            var budget = r.GetValue(iterations) ?? DefaultIterations;
            var strategyKind = r.GetValue(strategy) ?? SchedulingStrategy.Portfolio;
            var elision = r.GetValue(elide);
            var label = $"explore {scenarioObj.Name} · {Designs.Designs.Name(designKind)}{(bugList.Count > 0 ? " · " + string.Join("+", bugList.Select(InjectedBugs.Name)) : "")}" +
                        $"{(elision != null ? " · elide " + elision : "")} · {SchedulingStrategies.Name(strategyKind)}";
            var result = ProgressDisplay.Run(io, r.GetValue(quiet), [label], display => Explorer.Explore(new ExploreOptions
            {
                Scenario = scenarioObj.Name,
                Design = designKind,
                Bugs = bugSet,
                Iterations = budget,
                Strategy = strategyKind,
                StrategyBound = r.GetValue(bound) is { } b ? (uint)b : null,
                Seed = (uint)(r.GetValue(seed) ?? 1),
                MaxSteps = (uint)(r.GetValue(maxSteps) ?? 20_000),
                Elision = elision,
                PartialOrderSampling = r.GetValue(partialOrder),
                Progress = p =>
                {
                    var left = p.IterationsPerSecond > 0 ? TimeSpan.FromSeconds((p.Iterations - p.IterationsDone) / p.IterationsPerSecond) : (TimeSpan?)null;
                    display.Update(0, (double)p.IterationsDone / Math.Max(1, p.Iterations),
                        $"{Fmt.N(p.IterationsDone)} of {Fmt.N(p.Iterations)} iterations, {Fmt.F(p.IterationsPerSecond, 0)} iterations/s", left);
                },
            }));

            var trace = result.TracePath;
            if (trace != null && tracePath != null)
            {
                File.Copy(trace, tracePath, overwrite: true);
                trace = tracePath;
            }

            Print(io.Out, result, trace);
            if (r.GetValue(coverage))
            {
                CoverageTables(io.Out, result);
            }

            if (jsonPath != null)
            {
                Json.Write(jsonPath, new ExploreReport(TraceFile.CoyoteEngine, result.Scenario, result.Design, result.Bugs.Count == 0 ? null : string.Join(",", result.Bugs), result.Strategy,
                    result.Seed, result.Iterations, budget, result.BugFound, result.FirstBugIteration, result.Violation, result.Invariant, trace,
                    result.Elapsed.TotalSeconds, result.IterationsPerSecond, result.Steps, result.Elision, result.Coverage, result.LockOrder));
                io.Out.WriteLine($"json: {jsonPath}");
            }

            return result.BugFound ? ExitCodes.Broken : ExitCodes.Ok;
        });
        return command;
    }

    private static string? CheckedOut(string? path, string option)
    {
        if (path != null)
        {
            OutputFiles.CheckWritable(path, option);
        }

        return path;
    }

    private static bool TryScenario(string text, out int index, out string problem)
    {
        problem = "";
        var s = Catalog.FindScenario(text);
        index = s == null ? -1 : Catalog.Scenarios.ToList().IndexOf(s);
        return s != null;
    }

    private static void Print(IAnsiConsole c, ExploreResult r, string? trace)
    {
        var bugs = r.Bugs.Count == 0 ? "no injected bugs" : "bugs " + string.Join(", ", r.Bugs);
        c.WriteLine($"explored {r.Scenario} on {r.Design} with {bugs}: {Fmt.N(r.Iterations)} iterations, {r.Strategy}, seed {r.Seed}, " +
                    $"{Fmt.F(r.Elapsed.TotalSeconds, 1)} s, {Fmt.F(r.IterationsPerSecond, 0)} iterations/s");
        if (!r.BugFound)
        {
            c.MarkupLine($"[green]no bug found[/] in {Fmt.N(r.Iterations)} iterations");
            return;
        }

        c.MarkupLine($"[red]bug found[/] at iteration {r.FirstBugIteration}: {Markup.Escape(r.Violation ?? "")}");
        c.WriteLine($"invariant: {r.Invariant ?? "-"}");
        StepTable(c, r.Steps, ShownSteps);
        c.WriteLine($"trace: {trace}");
        c.WriteLine($"replay it with: replay {trace}");
    }

    /// <summary>Coverage: every site reached with its count, the most frequent pairs of sites adjacent on different CPUs, the sites never reached, and the lock order.</summary>
    private static void CoverageTables(IAnsiConsole c, ExploreResult r) => CoverageTables(c, r.Coverage, r.LockOrder);

    internal static void CoverageTables(IAnsiConsole c, CoverageReport coverage, IReadOnlyList<LockOrderEdge> lockOrder)
    {
        var n = System.Globalization.CultureInfo.InvariantCulture;
        var sites = new Table().Border(TableBorder.Simple).Title($"scheduling-point sites reached ({coverage.Sites.Count} of {PointSites.Count})")
            .AddColumn("site").AddColumn(new TableColumn("reached").RightAligned());
        foreach (var s in coverage.Sites)
        {
            sites.AddRow(Markup.Escape(s.Site), s.Count.ToString("N0", n));
        }

        c.Write(sites);
        var pairs = new Table().Border(TableBorder.Simple)
            .Title(coverage.Pairs.Count > ShownPairs ? $"the {ShownPairs} most frequent of {coverage.Pairs.Count} site pairs adjacent on different CPUs" : $"{coverage.Pairs.Count} site pairs adjacent on different CPUs")
            .AddColumn("first (CPU x)").AddColumn("then (CPU y != x)").AddColumn(new TableColumn("times").RightAligned());
        foreach (var p in coverage.Pairs.Take(ShownPairs))
        {
            pairs.AddRow(Markup.Escape(p.First), Markup.Escape(p.Second), p.Count.ToString("N0", n));
        }

        c.Write(pairs);
        c.WriteLine($"never reached ({coverage.Unreached.Count}): {string.Join(", ", coverage.Unreached)}");
        c.WriteLine(lockOrder.Count == 0
            ? "lock order: no lock taken inside another"
            : "lock order: " + string.Join("; ", lockOrder.Select(e => $"{e.Outer} at {e.OuterSite} -> {e.Inner} at {e.InnerSite} ({e.Count.ToString("N0", n)})")));
    }

    /// <summary>The last <paramref name="shown"/> steps of a failing iteration (the race is at the end).</summary>
    public static void StepTable(IAnsiConsole c, IReadOnlyList<TraceStep> steps, int shown)
    {
        if (steps.Count == 0)
        {
            return;
        }

        var t = new Table().Border(TableBorder.Simple)
            .Title(steps.Count > shown ? $"the last {shown} of {steps.Count} steps" : $"{steps.Count} steps")
            .AddColumn(new TableColumn("step").RightAligned()).AddColumn(new TableColumn("CPU").RightAligned()).AddColumn("operation").AddColumn("event").AddColumn("site");
        foreach (var s in steps.Skip(Math.Max(0, steps.Count - shown)))
        {
            t.AddRow(s.Step.ToString(System.Globalization.CultureInfo.InvariantCulture), s.Cpu.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Markup.Escape(s.Operation), Markup.Escape(s.Event), Markup.Escape(s.Site));
        }

        c.Write(t);
    }
}
