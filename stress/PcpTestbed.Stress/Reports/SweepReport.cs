using PcpTestbed.Workloads.Run;

namespace PcpTestbed.Stress.Reports;

/// <summary>sweep's JSON: the CPU counts and designs swept, and every run (CPU count outer, design inner).</summary>
public sealed record SweepReport(IReadOnlyList<int> Cpus, IReadOnlyList<string> Designs, IReadOnlyList<RunResult> Runs);
