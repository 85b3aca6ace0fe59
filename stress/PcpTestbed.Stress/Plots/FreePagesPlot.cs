using PcpTestbed.Model;
using PcpTestbed.Workloads.Observe;
using PcpTestbed.Workloads.Run;
using ScottPlot;

namespace PcpTestbed.Stress.Plots;

/// <summary>
/// run and compare --plot-free: the sampled free pages by migratetype over time, one panel per design, a line per
/// migratetype that had free pages (the same colour for a type in every panel) and NR_FREE_PAGES dashed; the panels
/// share their axes so designs compare at a glance.
/// </summary>
public static class FreePagesPlot
{
    public const int PanelWidth = 900;
    public const int PanelHeight = 560;

    public static void Save(string path, IReadOnlyList<RunResult> runs)
    {
        var withSamples = runs.Where(r => r.FreePages is { Samples.Count: > 0 }).ToList();
        var panels = new List<Plot>();
        if (withSamples.Count == 0)
        {
            var plot = PlotStyle.NewPanel("free pages by migratetype", "time (s)", "free pages");
            PlotStyle.Empty(plot, "no free-page samples");
            panels.Add(plot);
        }

        var seconds = withSamples.Select(r => r.FreePages!.Samples[^1].Seconds).DefaultIfEmpty(1).Max();
        var top = withSamples.SelectMany(r => r.FreePages!.Samples).Select(s => (double)s.NrFreePages)
            .Concat(withSamples.SelectMany(r => r.FreePages!.Samples).SelectMany(s => MigrateTypes.All().Select(mt => (double)s.FreePagesOf(mt))))
            .DefaultIfEmpty(1).Max();
        panels.AddRange(withSamples.Select(r => Panel(r, seconds, Math.Max(1, top))));
        PlotFile.Save(path, panels, columns: Math.Min(2, panels.Count), PanelWidth, PanelHeight);
    }

    private static Plot Panel(RunResult run, double seconds, double top)
    {
        var report = run.FreePages!;
        var samples = report.Samples;
        var plot = PlotStyle.NewPanel(
            $"{run.Design}: free pages by migratetype ({run.Workload}, {run.Cpus} CPUs)",
            $"{(run.Engine.VirtualTime ? "virtual " : "")}time (s), a sample every {Output.Fmt.F(report.KeptIntervalSeconds * 1000, 0)} ms",
            "free pages (4 KiB)");
        var xs = samples.Select(s => s.Seconds).ToArray();
        foreach (var mt in MigrateTypes.All())
        {
            var ys = samples.Select(s => (double)s.FreePagesOf(mt)).ToArray();
            if (ys.All(y => y == 0))
            {
                continue;
            }

            var line = plot.Add.Scatter(xs, ys, PlotStyle.ForSeries((int)mt));
            line.MarkerSize = samples.Count <= 60 ? 4 : 0;
            line.LineWidth = 2.5f;
            line.LegendText = MigratetypeKeys.Of(mt);
        }

        var total = plot.Add.Scatter(xs, samples.Select(s => (double)s.NrFreePages).ToArray(), Colors.Black);
        total.MarkerSize = 0;
        total.LineWidth = 1.5f;
        total.LinePattern = LinePattern.Dashed;
        total.LegendText = "NR_FREE_PAGES";

        PlotStyle.SiTicks(plot.Axes.Left);
        plot.Axes.SetLimits(0, Math.Max(seconds, 1e-3), 0, top * 1.1);
        PlotStyle.LegendBelow(plot);
        return plot;
    }
}
