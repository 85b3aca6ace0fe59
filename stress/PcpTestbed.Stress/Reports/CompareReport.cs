using PcpTestbed.Workloads.Run;

namespace PcpTestbed.Stress.Reports;

/// <summary>
/// compare's JSON: every run (the baseline first) and each later design's ratios against the baseline; when a run
/// broke, the runs before it and <see cref="Broken"/>.
/// </summary>
public sealed record CompareReport(IReadOnlyList<RunResult> Runs, IReadOnlyList<CompareRatios> Ratios)
{
    /// <summary>The run that did not finish, if one broke (the runs after it did not run).</summary>
    public BrokenRun? Broken { get; init; }

    public static CompareReport From(IReadOnlyList<RunResult> runs)
    {
        var baseline = runs[0];
        var ratios = runs.Skip(1).Select(r => new CompareRatios(
            r.Design,
            baseline.Design,
            Metrics.All.ToDictionary(m => m.Key, m => Metrics.Ratio(m.Value(r), m.Value(baseline))))).ToList();
        return new CompareReport(runs, ratios);
    }
}
