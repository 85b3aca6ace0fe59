using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using PcpTestbed.Designs;

namespace PcpTestbed.Benchmarks.Suite;

/// <summary>
/// The ratio of a case's minimum to the same method's minimum with <c>Design = Mainline</c> and every other
/// parameter equal: BenchmarkDotNet's own Ratio column compares methods, never values of a [Params]
/// (dotnet/BenchmarkDotNet#881), and the designs are a [Params] enum whose baseline is mainline.
/// Minima rather than means, as for the suite's targets: on a shared 2-core host the host's other load only ever
/// adds time, and the minimum over many short iterations is the run that it did not touch.
/// </summary>
public sealed class VsMainlineColumn : IColumn
{
    public const string DesignParameter = "Design";

    public static readonly VsMainlineColumn Instance = new();

    public string Id => nameof(VsMainlineColumn);

    public string ColumnName => "vs mainline";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Baseline;

    public int PriorityInCategory => 10;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Min of this case / min of the same method and parameters with Design=Mainline (the baseline value)";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var ratio = Ratio(summary, benchmarkCase);
        return ratio is { } r ? r.ToString("0.00", CultureInfo.InvariantCulture) : "-";
    }

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) =>
        summary.BenchmarksCases.Any(c => c.Parameters.Items.Any(p => p.Name == DesignParameter && p.Value is DesignKind.Mainline));

    /// <summary>The ratio, or null when the case has no Design parameter, no mainline twin, or no result.</summary>
    public static double? Ratio(Summary summary, BenchmarkCase benchmarkCase)
    {
        if (!benchmarkCase.Parameters.Items.Any(p => p.Name == DesignParameter))
        {
            return null;
        }

        var baseline = summary.BenchmarksCases.FirstOrDefault(c => IsMainlineTwin(c, benchmarkCase));
        var mine = summary[benchmarkCase]?.ResultStatistics?.Min;
        var theirs = baseline is null ? null : summary[baseline]?.ResultStatistics?.Min;
        return mine is { } m && theirs is { } t && t > 0 ? m / t : null;
    }

    private static bool IsMainlineTwin(BenchmarkCase candidate, BenchmarkCase of)
    {
        if (candidate.Descriptor != of.Descriptor || candidate.Job.Id != of.Job.Id)
        {
            return false;
        }

        foreach (var p in candidate.Parameters.Items)
        {
            var expected = p.Name == DesignParameter ? DesignKind.Mainline : of.Parameters[p.Name];
            if (!Equals(p.Value, expected))
            {
                return false;
            }
        }

        return true;
    }
}
