using PcpTestbed.Coyote;
using PcpTestbed.Coyote.Dfs;
using PcpTestbed.Designs;
using PcpTestbed.Stress.Cli;
using PcpTestbed.Stress.Output;
using PcpTestbed.Stress.Reports;
using Spectre.Console;

namespace PcpTestbed.Stress.Commands;

/// <summary>
/// `explore --exhaustive` (issue 14 item 6): every schedule of a scenario within a preemption bound, under our own
/// scheduler with partial-order reduction. Exit 0 when the scenario holds for every interleaving within the bound, 3 for
/// a bug (with its trace file) and 3 when the time budget runs out first (nothing is claimed then).
/// </summary>
public static class ExhaustiveExploreCommand
{
    /// <summary>The default time budget: the target for every bundled scenario at bound 2 (README, "Exhaustive search").</summary>
    public const long DefaultTimeBudgetSeconds = 600;

    private const int ShownSteps = 40;

    public static int Run(StressConsole io, Request q)
    {
        var bugNames = q.BugList.Count > 0 ? " · " + string.Join("+", q.BugList.Select(InjectedBugs.Name)) : "";
        var label = $"explore --exhaustive {q.Scenario.Name} · {Designs.Designs.Name(q.Design)}{bugNames}{(q.Elision != null ? " · elide " + q.Elision : "")} · " +
                    $"preemption bound {q.Bound}{(q.Reduction ? "" : " · no reduction")}";
        TimeSpan? budget = q.TimeBudgetSeconds > 0 ? TimeSpan.FromSeconds(q.TimeBudgetSeconds) : null;
        var result = ProgressDisplay.Run(io, q.Quiet, [label], display => ExhaustiveExplorer.Explore(new ExhaustiveOptions
        {
            Scenario = q.Scenario.Name,
            Design = q.Design,
            Bugs = q.Bugs,
            PreemptionBound = q.Bound,
            Reduction = q.Reduction,
            TimeBudget = budget,
            MaxSteps = q.MaxSteps,
            Elision = q.Elision,
            Progress = p =>
            {
                // No total is known ahead: the bar shows the time budget spent.
                var fraction = budget is { } b ? p.Elapsed / b : 0;
                display.Update(0, fraction, $"{Fmt.N(p.Schedules)} schedules, {Fmt.F(p.SchedulesPerSecond, 0)} schedules/s, branch at step {p.BranchDepth}",
                    budget is { } b2 ? b2 - p.Elapsed : null);
            },
        }));

        var trace = result.TracePath;
        if (trace != null && q.TracePath != null)
        {
            File.Copy(trace, q.TracePath, overwrite: true);
            trace = q.TracePath;
        }

        Print(io.Out, result, trace);
        if (q.Coverage)
        {
            ExploreCommand.CoverageTables(io.Out, result.Coverage, result.LockOrder);
        }

        if (q.JsonPath != null)
        {
            Json.Write(q.JsonPath, new ExhaustiveExploreReport(TraceFile.DfsEngine, result.Scenario, result.Design,
                result.Bugs.Count == 0 ? null : string.Join(",", result.Bugs), result.PreemptionBound, result.Reduction, result.Verdict, result.Schedules,
                result.Elapsed.TotalSeconds, result.SchedulesPerSecond, result.TimeBudget?.TotalSeconds, result.TotalSteps, result.Switches, result.MaxScheduleSteps,
                result.FailingSchedule, result.Preemptions, result.Violation, result.Invariant, trace, result.Steps, result.Schedule, result.Elision,
                result.Coverage, result.LockOrder));
            io.Out.WriteLine($"json: {q.JsonPath}");
        }

        return result.Verdict == ExhaustiveVerdict.Holds ? ExitCodes.Ok : ExitCodes.Broken;
    }

    private static void Print(IAnsiConsole c, ExhaustiveResult r, string? trace)
    {
        var bugs = r.Bugs.Count == 0 ? "no injected bugs" : "bugs " + string.Join(", ", r.Bugs);
        var reduction = r.Reduction ? "partial-order reduction" : "no reduction";
        c.WriteLine($"explored {r.Scenario} on {r.Design} with {bugs} exhaustively: preemption bound {r.PreemptionBound}, {reduction}; " +
                    $"{Fmt.N(r.Schedules)} schedules, {Fmt.F(r.Elapsed.TotalSeconds, 1)} s, {Fmt.F(r.SchedulesPerSecond, 0)} schedules/s " +
                    $"(up to {Fmt.N(r.MaxScheduleSteps)} steps each)");
        switch (r.Verdict)
        {
            case ExhaustiveVerdict.Holds:
                c.MarkupLine($"[green]holds[/] for every interleaving with at most {r.PreemptionBound} preemption{(r.PreemptionBound == 1 ? "" : "s")}: " +
                             $"{Fmt.N(r.Schedules)} schedules ran clean" +
                             (r.Reduction ? ", and every schedule skipped is equivalent to one that ran (README, \"Exhaustive search\")" : ", every schedule within the bound"));
                return;
            case ExhaustiveVerdict.Incomplete:
                c.MarkupLine($"[yellow]incomplete[/]: the time budget of {Fmt.F(r.TimeBudget!.Value.TotalSeconds, 0)} s ran out after {Fmt.N(r.Schedules)} schedules " +
                             "with no bug found; nothing is claimed for the schedules not run (raise --time-budget, or lower --preemption-bound)");
                return;
        }

        c.MarkupLine($"[red]bug found[/] in schedule {Fmt.N(r.FailingSchedule ?? 0)} ({r.Preemptions} preemption{(r.Preemptions == 1 ? "" : "s")}): {Markup.Escape(r.Violation ?? "")}");
        c.WriteLine($"invariant: {r.Invariant ?? "-"}");
        ExploreCommand.StepTable(c, r.Steps, ShownSteps);
        c.WriteLine($"trace: {trace}");
        c.WriteLine($"replay it with: replay {trace}");
    }

    /// <summary>What explore --exhaustive was asked for, once the command line is checked.</summary>
    public sealed record Request(
        Scenario Scenario,
        DesignKind Design,
        IReadOnlyList<InjectedBug> BugList,
        InjectedBug Bugs,
        LockElision? Elision,
        int Bound,
        bool Reduction,
        long TimeBudgetSeconds,
        int MaxSteps,
        string? TracePath,
        string? JsonPath,
        bool Quiet,
        bool Coverage);
}
