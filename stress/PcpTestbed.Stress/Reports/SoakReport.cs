using PcpTestbed.Workloads.Run;

namespace PcpTestbed.Stress.Reports;

/// <summary>soak's JSON: the verdict, every audit, and the run.</summary>
/// <param name="Passed">No violation, no page lost, and the run ended normally.</param>
public sealed record SoakReport(bool Passed, int Audits, long InvariantViolations, long PagesLost, IReadOnlyList<SoakAudit> AuditLog, RunResult Run);

/// <summary>One audit of a soak: when (s since the start), the census, and what it found.</summary>
public sealed record SoakAudit(int Index, double AtSeconds, long FreePages, long PcpPages, long AllocatedPages, long HeldPages, long PagesLost, long Violations);
