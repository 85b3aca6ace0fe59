using PcpTestbed.Stress.Cli;
using PcpTestbed.Stress.Output;
using PcpTestbed.Workloads.Run;
using Spectre.Console;

namespace PcpTestbed.Stress.Commands;

/// <summary>Runs a plan's runs one after the other, with progress, and prints the plan's notes first.</summary>
internal static class RunSeries
{
    public static IReadOnlyList<RunResult> Execute(StressConsole io, RunPlan plan, IReadOnlyList<RunOptions> runs,
        Action<ProgressDisplay, int, AuditRecord>? onAudit = null)
    {
        foreach (var note in plan.Notes)
        {
            io.Out.WriteLine($"note: {note}");
        }

        var labels = runs.Select(Label).ToList();
        return ProgressDisplay.Run(io, plan.Quiet, labels, display =>
        {
            var results = new List<RunResult>(runs.Count);
            for (var i = 0; i < runs.Count; i++)
            {
                var index = i;
                var o = runs[i];
                string? repro = null;
                var options = o with
                {
                    // The flight recorder's window, written at once: a reproduction file survives whatever happens next.
                    OnRecording = recording =>
                    {
                        repro = ReproFiles.Write(plan.ReproDirectory, o, recording);
                        display.Line($"repro: {repro} (the flight recorder's window: {recording.Windows.Sum(w => w.Length)} operations; " +
                                     $"explore --from-repro {repro})");
                    },
                    Progress = p => display.Update(index, Fraction(p), Detail(p), Left(p)),
                    OnAudit = onAudit == null ? null : a => onAudit(display, index, a),

                    // Printed the moment CPUs miss a quiescent point, before the run gives up; in one write, since a CPU taking
                    // another offline may report from its own thread while the coordinator prints.
                    OnStuck = report => display.Line(string.Join(Environment.NewLine, report.Lines())),
                };
                RunResult result;
                try
                {
                    result = Runner.Run(options);
                }
                catch (Exception e)
                {
                    throw new BrokenRunException(RunFailures.Describe(o, e) with { ReproFile = repro }, results, e);
                }

                result = result with { ReproFile = repro };

                display.Complete(index, $"{Fmt.Si(result.OpsPerSecond)} ops/s, {result.Audits} audits, {result.InvariantViolations} violations, {result.PagesLost} pages lost");
                results.Add(result);
            }

            return results;
        });
    }

    public static string Label(RunOptions o) =>
        $"{Designs.Designs.Name(o.Design)} · {Workloads.Kinds.WorkloadKinds.Name(o.Workload)} · {o.Cpus} CPUs";

    private static double Fraction(RunProgress p) =>
        p.Duration is { } d ? p.Elapsed / d
        : p.OperationBudget is { } b && b > 0 ? (double)p.Operations / b
        : 0;

    private static TimeSpan? Left(RunProgress p)
    {
        if (p.Duration is { } d)
        {
            return d > p.Elapsed ? d - p.Elapsed : TimeSpan.Zero;
        }

        var f = Fraction(p);
        return f > 0.02 ? p.Elapsed * ((1 - f) / f) : null;
    }

    private static string Detail(RunProgress p)
    {
        var budget = p.Duration is { } d
            ? $"{Fmt.F(p.Elapsed.TotalSeconds, 1)} of {Fmt.F(d.TotalSeconds, 1)} s"
            : $"{Fmt.Si(p.Operations)} of {Fmt.Si(p.OperationBudget ?? 0)} ops";
        var rate = p.Elapsed.TotalSeconds > 0 ? $", {Fmt.Si(p.Operations / p.Elapsed.TotalSeconds)} steps/s" : "";
        return $"{budget}{rate}, {p.Audits} audits, {p.Violations} violations";
    }
}
