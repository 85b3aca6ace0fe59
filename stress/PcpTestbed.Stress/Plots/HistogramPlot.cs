using PcpTestbed.Execution.LockStat;
using PcpTestbed.Stress.Output;
using PcpTestbed.Workloads.Run;
using ScottPlot;

namespace PcpTestbed.Stress.Plots;

/// <summary>
/// run and compare --plot: per lock class, the wait-time and hold-time histograms, one line per design
/// (rows: lock classes; columns: wait, hold), on a log time axis.
/// </summary>
public static class HistogramPlot
{
    public const int PanelWidth = 900;
    public const int PanelHeight = 560;

    public static void Save(string path, IReadOnlyList<RunResult> runs)
    {
        var classes = runs.SelectMany(r => r.LockHistograms.Select(h => h.Name)).Distinct().ToList();
        var panels = new List<Plot>();
        if (classes.Count == 0)
        {
            var plot = PlotStyle.NewPanel("lock wait and hold times", "time (log scale)", "share of samples (%)");
            PlotStyle.Empty(plot, "no lock statistics (--no-lock-stat)");
            panels.Add(plot);
        }

        var sampling = runs.Select(r => r.LockStat.HoldSampleInterval).Distinct().ToList();
        var holdNote = sampling.Count == 1 && sampling[0] > 1 ? $", 1 in {sampling[0]} sampled" : "";
        var v = EngineLabels.TitleSuffix(EngineLabels.Virtual(runs));
        foreach (var name in classes)
        {
            panels.Add(Panel(runs, name, hold: false, $"{name} wait time (contended acquisitions){v}", "wait, first failed attempt to acquisition (log scale)"));
            panels.Add(Panel(runs, name, hold: true, $"{name} hold time (acquisitions{holdNote}){v}", "hold, acquisition to release (log scale)"));
        }

        PlotFile.Save(path, panels, columns: 2, PanelWidth, PanelHeight);
    }

    private static Plot Panel(IReadOnlyList<RunResult> runs, string lockClass, bool hold, string title, string xLabel)
    {
        var plot = PlotStyle.NewPanel(title, xLabel, "share of samples (% per half octave)");
        var lowest = int.MaxValue;
        var highest = int.MinValue;
        double top = 0;
        for (var i = 0; i < runs.Count; i++)
        {
            var h = runs[i].LockHistograms.FirstOrDefault(x => x.Name == lockClass);
            var hist = h == null ? null : hold ? h.HoldNs : h.WaitNs;
            if (hist == null || hist.Count == 0)
            {
                continue;
            }

            var shares = LogBins.Shares(hist);
            var first = Array.FindIndex(shares, s => s > 0);
            var last = Array.FindLastIndex(shares, s => s > 0);
            lowest = Math.Min(lowest, first);
            highest = Math.Max(highest, last);
            top = Math.Max(top, shares.Max());

            // The outline of the histogram: up at each bin's lower edge, across, down at the next edge.
            var xs = new List<double> { Math.Log10(LogBins.LowerEdgeNs(first)) };
            var ys = new List<double> { 0 };
            for (var bin = first; bin <= last; bin++)
            {
                xs.Add(Math.Log10(LogBins.LowerEdgeNs(bin)));
                ys.Add(shares[bin]);
                xs.Add(Math.Log10(LogBins.LowerEdgeNs(bin + 1)));
                ys.Add(shares[bin]);
            }

            xs.Add(Math.Log10(LogBins.LowerEdgeNs(last + 1)));
            ys.Add(0);
            var line = plot.Add.Scatter(xs.ToArray(), ys.ToArray(), PlotStyle.ForSeries(i));
            line.MarkerSize = 0;
            line.LineWidth = 2.5f;
            line.LegendText = $"{runs[i].Design}: n={Fmt.Si(hist.Count)}, p50 {Fmt.Ns(hist.ValueAtQuantile(0.5))}, p99 {Fmt.Ns(hist.ValueAtQuantile(0.99))}";

            // p99 as a dashed mark in the series' colour.
            var p99 = plot.Add.VerticalLine(Math.Log10(Math.Max(1, hist.ValueAtQuantile(0.99))));
            p99.Color = PlotStyle.ForSeries(i);
            p99.LinePattern = LinePattern.Dashed;
            p99.LineWidth = 1.5f;
        }

        if (top == 0)
        {
            PlotStyle.Empty(plot, hold ? "no hold samples" : "no contended acquisitions: nothing waited");
            plot.Axes.SetLimits(0.9, 4.1, 0, 100);
            PlotStyle.LogTimeTicks(plot.Axes.Bottom, 0.9, 4.1);
            return plot;
        }

        // A bin of room on each side, and a little more so an edge tick's label is not cut off.
        var xMin = Math.Log10(LogBins.LowerEdgeNs(Math.Max(0, lowest - 1))) - 0.08;
        var xMax = Math.Log10(LogBins.LowerEdgeNs(Math.Min(LogBins.BinCount, highest + 2))) + 0.08;
        plot.Axes.SetLimits(xMin, xMax, 0, top * 1.15);
        PlotStyle.LogTimeTicks(plot.Axes.Bottom, xMin, xMax);
        PlotStyle.LegendBelow(plot);
        return plot;
    }
}
