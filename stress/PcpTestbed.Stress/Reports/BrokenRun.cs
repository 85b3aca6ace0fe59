using PcpTestbed.Execution.Cpus;

namespace PcpTestbed.Stress.Reports;

/// <summary>
/// A run that did not finish: what ran, what stopped it, whether that is a failure of the design (exit 3) or of the
/// testbed (exit 1), and the stuck-CPU report when CPUs hung.
/// </summary>
public sealed record BrokenRun(
    string Design,
    string Workload,
    int Cpus,
    long Seed,
    string Zone,
    IReadOnlyList<string> Faults,
    string Error,
    bool DesignFailure,
    StuckCpuReport? Stuck)
{
    /// <summary>The reproduction file the flight recorder wrote, or null.</summary>
    public string? ReproFile { get; init; }
}
