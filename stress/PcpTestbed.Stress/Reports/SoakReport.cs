using PcpTestbed.Workloads.Run;

namespace PcpTestbed.Stress.Reports;

/// <summary>soak's JSON: the verdict, every audit, and the run (or, when it broke, what broke it).</summary>
/// <param name="Passed">No violation, no page lost, and the run ended normally.</param>
/// <param name="Run">The run; null when it broke.</param>
public sealed record SoakReport(bool Passed, int Audits, long InvariantViolations, long PagesLost, IReadOnlyList<SoakAudit> AuditLog, RunResult? Run)
{
    /// <summary>The run did not finish: what broke it, and the stuck-CPU report if CPUs hung.</summary>
    public BrokenRun? Broken { get; init; }
}

/// <summary>One audit of a soak: when (s since the start), the census, and what it found.</summary>
public sealed record SoakAudit(int Index, double AtSeconds, long FreePages, long PcpPages, long AllocatedPages, long HeldPages, long PagesLost, long Violations);
