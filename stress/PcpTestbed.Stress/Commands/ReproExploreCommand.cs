using PcpTestbed.Coyote;
using PcpTestbed.Coyote.Repro;
using PcpTestbed.Stress.Cli;
using PcpTestbed.Stress.Output;
using PcpTestbed.Stress.Reports;
using Spectre.Console;

namespace PcpTestbed.Stress.Commands;

/// <summary>
/// `explore --from-repro FILE` (issue 15): searches interleavings of a reproduction file's operations under Coyote, from the
/// state it rebuilds, until the recorded violation's class comes back; writes a trace that replays without the file. Exit 3
/// either way (a bug found, as explore's; or the budget ran out without one, the file kept), 2 for a bad file.
/// </summary>
public static class ReproExploreCommand
{
    public const long DefaultTimeBudgetSeconds = 120;

    public sealed record Request(string Path, int IterationsPerWindow, long TimeBudgetSeconds, uint Seed, SchedulingStrategy Strategy, string? TracePath, string? JsonPath, bool Quiet,
        bool NoBallast = false, bool NoSnapshot = false, bool NoIrq = false, IReadOnlyList<string>? IrqSites = null, int? IrqSteps = null, bool MoreRounds = false);

    public static int Run(StressConsole io, Request q)
    {
        ReproFile file;
        try
        {
            file = ReproFile.Load(q.Path);
        }
        catch (ReproFormatException e)
        {
            throw new UsageException(Values.OneLine(e.Message));
        }

        io.Out.WriteLine($"reproduction: {file.Design} · {file.Workload} · {file.Cpus} CPUs · zone {file.Zone} · seed {file.Seed}" +
                         $"{(file.Bugs.Count > 0 ? " · bugs " + string.Join("+", file.Bugs) : "")}: {file.OperationCount} operations " +
                         $"({string.Join(", ", file.Operations.Select((o, i) => $"CPU {i}: {o.Count}"))}), {file.Pages.Count} pages from before the window" +
                         $"{(file.WindowComplete ? ", the window starts at a clean audit" : ", the window starts after the last clean audit (the ring had wrapped)")}");
        var budget = q.TimeBudgetSeconds > 0 ? TimeSpan.FromSeconds(q.TimeBudgetSeconds) : TimeSpan.MaxValue;
        var options = new ReproExploreOptions
        {
            Path = q.Path,
            IterationsPerWindow = q.IterationsPerWindow,
            MoreRounds = q.MoreRounds && q.TimeBudgetSeconds > 0,
            TimeBudget = budget,
            Seed = q.Seed,
            Strategy = q.Strategy,
            NoBallast = q.NoBallast,
            NoSnapshot = q.NoSnapshot,
            NoIrq = q.NoIrq,
            IrqSites = q.IrqSites,
            IrqSteps = q.IrqSteps,
        };
        var rebuilt = options.Rebuilt(file);
        options = options with { File = rebuilt };
        io.Out.WriteLine($"rebuild: {rebuilt.Rebuild()}");
        io.Out.WriteLine($"interrupts: {rebuilt.Interrupts?.Describe() ?? (q.NoIrq && file.Interrupts != null ? "none (--no-irq)" : "none")}");
        io.Out.WriteLine($"recorded violation: {file.Violation}");
        var label = $"explore --from-repro {System.IO.Path.GetFileName(q.Path)} · {SchedulingStrategies.Name(q.Strategy)}";
        ReproExploreResult result;
        try
        {
            result = ProgressDisplay.Run(io, q.Quiet, [label], display => ReproExplorer.Explore(options with
            {
                Progress = p => display.Update(0, q.TimeBudgetSeconds > 0 ? p.Elapsed / budget : 0,
                    $"window {p.Window} of {p.MaxWindow} operations per CPU: {Fmt.N(p.Iterations)} of {Fmt.N(p.IterationsPerWindow)} iterations" +
                    (p.OtherViolations > 0 ? $", {Fmt.N(p.OtherViolations)} met another class" : ""),
                    q.TimeBudgetSeconds > 0 && budget > p.Elapsed ? budget - p.Elapsed : null),
            }));
        }
        catch (ReproFormatException e)
        {
            throw new UsageException(Values.OneLine(e.Message));
        }

        if (result.Probes.Count > 0)
        {
            io.Out.WriteLine($"  serial probes: {result.Probes.Count} in {Fmt.F(result.Probes.Sum(p => p.Seconds), 1)} s" +
                             (result.Probes.Count > 1 ? $", the violation first after operation {result.Probes[^1].LastSeq} of the global order" : ""));
        }

        foreach (var w in result.Windows)
        {
            io.Out.WriteLine($"  last {w.Window,5} operations per CPU interleaved: {Fmt.N(w.Iterations)} iterations in {Fmt.F(w.Seconds, 1)} s: " +
                             (w.Violation == null ? "nothing" : Violations.Names(w.Violation, result.Invariant) ? "the same violation class" : $"another violation ({Values.OneLine(w.Violation)})") +
                             (w.FirstOtherViolation == null ? "" : $"; {Fmt.N(w.OtherViolations)} met another class and were gone past, the first at iteration {w.FirstOtherIteration} ({Values.OneLine(w.FirstOtherViolation)})"));
        }

        var trace = result.TracePath;
        if (trace != null && q.TracePath != null)
        {
            File.Copy(trace, q.TracePath, overwrite: true);
            trace = q.TracePath;
        }

        if (result.Found)
        {
            io.Out.MarkupLine($"[red]reproduced[/] the recorded violation class [[{Markup.Escape(result.Invariant)}]] with the last {result.Window} operations of each CPU interleaved " +
                              $"in {Fmt.F(result.Elapsed.TotalSeconds, 1)} s: {Markup.Escape(result.Violation ?? "")}");
            io.Out.WriteLine($"trace: {trace}");
            io.Out.WriteLine($"replay it with: replay {trace}; shrink it with: shrink {trace}");
        }
        else
        {
            io.Out.MarkupLine($"[yellow]not reproduced[/]: {(result.BudgetExhausted ? $"the time budget ({q.TimeBudgetSeconds} s) ran out" : "every window size was tried")} " +
                              $"without the class [[{Markup.Escape(result.Invariant)}]]; the reproduction file is kept: {Markup.Escape(q.Path)}");
        }

        if (q.JsonPath != null)
        {
            Json.Write(q.JsonPath, new ReproExploreReport(q.Path, result.Found, result.Invariant, result.RecordedViolation, result.Operations, result.Window, result.Violation,
                trace, result.Windows, result.Probes, result.Elapsed.TotalSeconds, result.BudgetExhausted));
            io.Out.WriteLine($"json: {q.JsonPath}");
        }

        return ExitCodes.Broken;
    }
}
