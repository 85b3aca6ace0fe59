using System.CommandLine;
using PcpTestbed.Designs;
using PcpTestbed.Stress.Cli;
using PcpTestbed.Stress.Output;
using PcpTestbed.Stress.Plots;
using PcpTestbed.Stress.Reports;
using PcpTestbed.Workloads.Kinds;
using PcpTestbed.Workloads.Run;
using Spectre.Console;

namespace PcpTestbed.Stress.Commands;

/// <summary>
/// `compare` (and the runner's default job): several designs on the same workload, seed and a fresh identical
/// zone each; every run's report, then each design's ratios against the first.
/// </summary>
public static class CompareCommand
{
    public static readonly VerbDefaults Defaults = new()
    {
        Designs = [DesignKind.Mainline, DesignKind.Pageblock],
        Workload = WorkloadKind.Purge,
        Cpus = [4],
        Seconds = 3,
    };

    public static Command Create(StressConsole io)
    {
        var set = new RunOptionSet(Defaults);
        var command = new Command("compare",
            "Run several designs on the same workload, seed and zone, and print ratios against the first (the default job: mainline vs pageblock on purge, 4 CPUs, 3 s each)");
        set.AddTo(command);
        command.SetAction(r =>
        {
            var plan = set.Resolve(r);
            if (plan.Designs.Count < 2)
            {
                throw new UsageException("compare needs at least two designs, e.g. --designs mainline,pageblock (use run for one)");
            }

            IReadOnlyList<RunResult> runs;
            try
            {
                runs = RunSeries.Execute(io, plan, plan.Designs.Select(d => plan.For(d, plan.Cpus[0])).ToList());
            }
            catch (BrokenRunException e) when (plan.JsonPath is { } brokenJson)
            {
                // The runs that finished, their ratios, and the one that broke; then the failure takes its usual way out.
                var partial = e.Completed.Count > 0 ? CompareReport.From(e.Completed) : new CompareReport([], []);
                Json.Write(brokenJson, partial with { Broken = e.Broken });
                io.Out.WriteLine($"json: {brokenJson}");
                throw;
            }

            foreach (var run in runs)
            {
                RunPrinter.Print(io, run, plan.Format);
            }

            var report = CompareReport.From(runs);
            PrintRatios(io.Out, runs, report);
            if (plan.JsonPath is { } json)
            {
                Json.Write(json, report);
                io.Out.WriteLine($"json: {json}");
            }

            if (plan.PlotPath is { } plot)
            {
                HistogramPlot.Save(plot, runs);
                io.Out.WriteLine($"plot: {plot}");
            }

            if (plan.PlotFreePath is { } plotFree)
            {
                FreePagesPlot.Save(plotFree, runs);
                io.Out.WriteLine($"plot: {plotFree}");
            }

            return runs.All(x => x.InvariantViolations == 0 && x.PagesLost == 0) ? ExitCodes.Ok : ExitCodes.Broken;
        });
        return command;
    }

    public static void PrintRatios(IAnsiConsole c, IReadOnlyList<RunResult> runs, CompareReport report)
    {
        var baseline = runs[0];
        var t = new Table().Border(TableBorder.Rounded)
            .Title($"[bold]compare[/]: {Markup.Escape(baseline.Workload)}, {baseline.Cpus} CPUs, seed {baseline.Seed}; ratio = design / {Markup.Escape(baseline.Design)}" +
                   (EngineLabels.Virtual(runs) ? "; every time and rate is virtual (ns are virtual ns)" : ""))
            .AddColumn("metric")
            .AddColumn(new TableColumn(Markup.Escape(baseline.Design)).RightAligned());
        foreach (var run in runs.Skip(1))
        {
            t.AddColumn(new TableColumn(Markup.Escape(run.Design)).RightAligned());
            t.AddColumn(new TableColumn("ratio").RightAligned());
        }

        foreach (var m in Metrics.All.Where(m => !m.Optional || runs.Any(r => m.Value(r) != null)))
        {
            var row = new List<string> { Markup.Escape(m.Label), Value(m.Value(baseline)) };
            for (var i = 1; i < runs.Count; i++)
            {
                row.Add(Value(m.Value(runs[i])));
                var ratio = report.Ratios[i - 1].Metrics[m.Key];
                row.Add(Highlight(m, ratio));
            }

            t.AddRow(row.ToArray());
        }

        c.Write(t);
        c.WriteLine("ratio: the design's value over the baseline's; - where the baseline measured 0 (or nothing). Below 1x is fewer, shorter or slower.");
        CompareDetails.Print(c, runs);
    }

    private static string Value(double? v) => v is { } x ? (Math.Abs(x) >= 100 || x == Math.Floor(x) ? Fmt.N(x) : Fmt.F(x, Math.Abs(x) < 1 ? 2 : 1)) : "-";

    private static string Highlight(Metric m, double? ratio)
    {
        var text = Fmt.Ratio(ratio);
        if (ratio is not { } r || Math.Abs(r - 1) < 0.05 || m.Descriptive)
        {
            return text;
        }

        // Throughput up is good; everything else here (contentions, waits, holds, failures) down is good.
        var better = m == Metrics.OpsPerSecond ? r > 1 : r < 1;
        return better ? $"[green]{text}[/]" : $"[red]{text}[/]";
    }
}
