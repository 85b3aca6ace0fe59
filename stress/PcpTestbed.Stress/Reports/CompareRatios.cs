namespace PcpTestbed.Stress.Reports;

/// <summary>One design against the baseline (the first design): metric key to value / baseline value, null where undefined.</summary>
public sealed record CompareRatios(string Design, string Baseline, IReadOnlyDictionary<string, double?> Metrics);
