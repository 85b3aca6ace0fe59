using PcpTestbed.Workloads.Run;

namespace PcpTestbed.Stress.Reports;

/// <summary>One number of a run that comparisons and sweeps put side by side.</summary>
/// <param name="Key">Its name in the JSON's ratios.</param>
/// <param name="Label">Its name in the tables, with the unit.</param>
/// <param name="Value">Its value, or null when the run did not measure it (no lock statistics).</param>
/// <param name="Optional">Left out of compare's table when no run has a value (the CMA figures on a zone without CMA); always in the JSON.</param>
/// <param name="Descriptive">Neither direction is better, so compare's table does not colour its ratio.</param>
public sealed record Metric(string Key, string Label, Func<RunResult, double?> Value, bool Optional = false, bool Descriptive = false);
