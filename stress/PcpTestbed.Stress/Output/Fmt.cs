using System.Globalization;

namespace PcpTestbed.Stress.Output;

/// <summary>Number formats of the human output: invariant culture, thousands separated, times in ns.</summary>
public static class Fmt
{
    public static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Plain digits, for wide tables where separators cost too many columns.</summary>
    public static string I(long v) => v.ToString(CultureInfo.InvariantCulture);

    public static string N(double v) => v.ToString("N0", CultureInfo.InvariantCulture);

    public static string F(double v, int decimals = 2) => v.ToString("F" + decimals, CultureInfo.InvariantCulture);

    /// <summary>A ratio, or "-" when it is undefined (a zero baseline).</summary>
    public static string Ratio(double? r) => r is { } v
        ? v.ToString(v >= 100 ? "F0" : v >= 10 ? "F1" : v >= 0.1 || v == 0 ? "F2" : "G3", CultureInfo.InvariantCulture) + "x"
        : "-";

    public static string Percent(long part, long whole) => whole == 0 ? "-" : (100.0 * part / whole).ToString("F1", CultureInfo.InvariantCulture) + "%";

    /// <summary>A duration in ns with a readable unit: 850 ns, 12.3 µs, 4.56 ms.</summary>
    public static string Ns(double ns) => ns switch
    {
        < 1_000 => $"{ns.ToString("F0", CultureInfo.InvariantCulture)} ns",
        < 1_000_000 => $"{(ns / 1e3).ToString(ns < 1e4 ? "F2" : "F1", CultureInfo.InvariantCulture)} µs",
        < 1_000_000_000 => $"{(ns / 1e6).ToString(ns < 1e7 ? "F2" : "F1", CultureInfo.InvariantCulture)} ms",
        _ => $"{(ns / 1e9).ToString("F2", CultureInfo.InvariantCulture)} s",
    };

    /// <summary>A count with an SI suffix for plot labels and progress: 950, 12.3k, 4.56M.</summary>
    public static string Si(double v) => Math.Abs(v) switch
    {
        < 1e3 => v.ToString("0.##", CultureInfo.InvariantCulture),
        < 1e6 => (v / 1e3).ToString("0.##", CultureInfo.InvariantCulture) + "k",
        < 1e9 => (v / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + "M",
        _ => (v / 1e9).ToString("0.##", CultureInfo.InvariantCulture) + "G",
    };
}
