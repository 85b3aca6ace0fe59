using PcpTestbed.Model.Audit;

namespace PcpTestbed.Workloads.Run;

/// <summary>One audit at a quiescent point: when, what the census found, pages lost, and the violations.</summary>
public sealed record AuditRecord(
    int Index,
    TimeSpan At,
    PageCensus Census,
    long HeldPages,
    long PagesLost,
    long ViolationCount,
    IReadOnlyList<string> Violations)
{
    public bool IsClean => ViolationCount == 0 && PagesLost == 0;
}
