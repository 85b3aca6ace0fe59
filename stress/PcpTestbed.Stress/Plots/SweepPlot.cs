using PcpTestbed.Stress.Output;
using PcpTestbed.Stress.Reports;
using PcpTestbed.Workloads.Run;
using ScottPlot;

namespace PcpTestbed.Stress.Plots;

/// <summary>
/// sweep --plot: three panels side by side in one image, each against the emulated CPU count with one line
/// per design: throughput (ops/s), zone->lock contentions, and the p99 zone->lock hold time (ns). A dotted
/// line marks the host's core count: to its right CPU threads share cores.
/// </summary>
public static class SweepPlot
{
    public const int PanelWidth = 700;
    public const int PanelHeight = 520;

    public static void Save(string path, IReadOnlyList<int> cpus, IReadOnlyList<RunResult> runs)
    {
        var seconds = runs.Count > 0 ? runs.Average(r => r.Seconds) : 0;
        var designs = runs.Select(r => r.Design).Distinct().ToList();
        var isVirtual = EngineLabels.Virtual(runs);
        var v = EngineLabels.TitleSuffix(isVirtual);
        var hostCores = runs.Select(r => r.Host?.Cores ?? 0).FirstOrDefault();
        var useLog2 = cpus.Count > 2 && cpus.Max() >= 8 * cpus.Min();
        var panels = new[]
        {
            Panel("throughput" + v, "ops/s (allocations + frees per second)", Metrics.OpsPerSecond, designs, cpus, runs, hostCores, useLog2),
            Panel($"zone->lock contentions ({Fmt.F(seconds, 2)} {(isVirtual ? "virtual " : "")}s runs)", "contentions per run", Metrics.ZoneContentions, designs, cpus, runs, hostCores, useLog2),
            Panel("p99 zone->lock hold time" + v, "hold time p99 (log scale)", Metrics.ZoneHoldP99, designs, cpus, runs, hostCores, useLog2, logY: true),
        };
        PlotFile.Save(path, panels, columns: 3, PanelWidth, PanelHeight);
    }

    private static Plot Panel(string title, string yLabel, Metric metric, IReadOnlyList<string> designs, IReadOnlyList<int> cpus, IReadOnlyList<RunResult> runs,
        int hostCores, bool useLog2, bool logY = false)
    {
        var plot = PlotStyle.NewPanel(title, useLog2 ? "emulated CPUs (log scale)" : "emulated CPUs", yLabel);
        double X(int n) => useLog2 ? Math.Log2(n) : n;
        // Hold times of different designs differ by orders of magnitude: a log axis shows both.
        double Y(double v) => logY ? Math.Log10(Math.Max(1, v)) : v;
        double top = 0;
        var bottom = double.MaxValue;
        for (var d = 0; d < designs.Count; d++)
        {
            var points = runs.Where(r => r.Design == designs[d])
                .Select(r => (Cpus: r.Cpus, Value: metric.Value(r)))
                .Where(p => p.Value != null)
                .OrderBy(p => p.Cpus)
                .ToList();
            if (points.Count == 0)
            {
                continue;
            }

            var line = plot.Add.Scatter(points.Select(p => X(p.Cpus)).ToArray(), points.Select(p => Y(p.Value!.Value)).ToArray(), PlotStyle.ForSeries(d));
            line.LegendText = designs[d];
            line.LineWidth = 2.5f;
            line.MarkerSize = 9;
            top = Math.Max(top, points.Max(p => Y(p.Value!.Value)));
            bottom = Math.Min(bottom, points.Min(p => Y(p.Value!.Value)));
        }

        var xMin = X(cpus.Min());
        var xMax = X(cpus.Max());
        var pad = Math.Max(0.3, (xMax - xMin) * 0.06);
        if (hostCores > 0 && hostCores >= cpus.Min() && hostCores < cpus.Max())
        {
            var cores = plot.Add.VerticalLine(X(hostCores));
            cores.Color = Colors.Gray;
            cores.LinePattern = LinePattern.Dotted;
            cores.LineWidth = 2;
            cores.LegendText = $"host cores ({hostCores})";
        }

        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (var n in cpus.OrderBy(n => n))
        {
            ticks.AddMajor(X(n), n.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        plot.Axes.Bottom.TickGenerator = ticks;
        if (top == 0)
        {
            PlotStyle.Empty(plot, metric == Metrics.ZoneHoldP99 ? "no hold samples" : "all zero");
            top = logY ? 4 : 1;
            bottom = 1;
        }

        if (logY)
        {
            var yMin = Math.Floor(bottom) - 0.1;
            var yMax = Math.Ceiling(top) + 0.1;
            PlotStyle.LogTimeTicks(plot.Axes.Left, yMin, yMax);
            plot.Axes.SetLimits(xMin - pad, xMax + pad, yMin, yMax);
        }
        else
        {
            PlotStyle.SiTicks(plot.Axes.Left);
            plot.Axes.SetLimits(xMin - pad, xMax + pad, 0, top * 1.25);
        }
        PlotStyle.LegendBelow(plot);
        return plot;
    }
}
