using ScottPlot;

namespace PcpTestbed.Stress.Plots;

/// <summary>One look for every panel: fonts large enough to read in a report, one colour per design.</summary>
public static class PlotStyle
{
    private static readonly IPalette Palette = new ScottPlot.Palettes.Category10();

    /// <summary>A sans-serif face the host has (ScottPlot falls back to a serif one otherwise); null keeps ScottPlot's choice.</summary>
    private static readonly string? SansFont = new[] { "DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica" }
        .FirstOrDefault(SkiaSharp.SKFontManager.Default.GetFontFamilies().Contains);

    public static Color ForSeries(int index) => Palette.GetColor(index);

    public static Plot NewPanel(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        if (SansFont != null)
        {
            plot.Font.Set(SansFont);
        }

        plot.Title(title, 20);
        plot.XLabel(xLabel, 16);
        plot.YLabel(yLabel, 16);
        plot.Axes.Bottom.TickLabelStyle.FontSize = 14;
        plot.Axes.Left.TickLabelStyle.FontSize = 14;
        plot.Legend.FontSize = 14;
        return plot;
    }

    /// <summary>Tick labels with k, M, G instead of long digit strings or exponents.</summary>
    public static void SiTicks(IAxis axis)
    {
        axis.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = v => Output.Fmt.Si(v) };
    }

    /// <summary>The legend under the data area, where it cannot hide a line.</summary>
    public static void LegendBelow(Plot plot)
    {
        plot.ShowLegend(Edge.Bottom);
        plot.Legend.FontSize = 14;
    }

    /// <summary>A note in the middle of an empty panel.</summary>
    public static void Empty(Plot plot, string text)
    {
        var a = plot.Add.Annotation(text, Alignment.MiddleCenter);
        a.LabelFontSize = 18;
        a.LabelBackgroundColor = Colors.WhiteSmoke;
        a.LabelBorderColor = Colors.Gray;
        a.LabelShadowColor = Colors.Transparent;
    }

    /// <summary>Ticks on a log10(ns) axis: every decade labelled with its unit, 2x and 5x labelled too when the range is short.</summary>
    public static void LogTimeTicks(IAxis axis, double log10Min, double log10Max)
    {
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        var labelMinor = log10Max - log10Min < 2.5;
        for (var decade = (int)Math.Floor(log10Min); decade <= (int)Math.Ceiling(log10Max); decade++)
        {
            for (var m = 1; m <= 9; m++)
            {
                var ns = m * Math.Pow(10, decade);
                var x = Math.Log10(ns);
                if (x < log10Min || x > log10Max)
                {
                    continue;
                }

                if (m == 1 || (labelMinor && m is 2 or 5))
                {
                    ticks.AddMajor(x, TickLabel(m, decade));
                }
                else
                {
                    ticks.AddMinor(x);
                }
            }
        }

        axis.TickGenerator = ticks;
    }

    /// <summary>m x 10^decade ns as "500 ns", "1 µs", "20 ms": whole numbers, no trailing decimals.</summary>
    private static string TickLabel(int m, int decade)
    {
        string[] units = ["ns", "µs", "ms", "s"];
        var unit = Math.Clamp(decade / 3, 0, units.Length - 1);
        var value = m * Math.Pow(10, decade - (3 * unit));
        return $"{value.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} {units[unit]}";
    }
}
