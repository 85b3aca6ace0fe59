using PcpTestbed.Workloads.Run;

namespace PcpTestbed.Stress.Reports;

/// <summary>One number of a run that comparisons and sweeps put side by side.</summary>
/// <param name="Key">Its name in the JSON's ratios.</param>
/// <param name="Label">Its name in the tables, with the unit.</param>
/// <param name="Value">Its value, or null when the run did not measure it (no lock statistics).</param>
public sealed record Metric(string Key, string Label, Func<RunResult, double?> Value);
