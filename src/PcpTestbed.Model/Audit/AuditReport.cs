using System.Text;

namespace PcpTestbed.Model.Audit;

/// <summary>The outcome of one audit: violations (the first few hundred kept) and the page census.</summary>
public sealed class AuditReport
{
    public const int MaxKeptViolations = 200;

    internal AuditReport(IReadOnlyList<Violation> violations, long violationCount, PageCensus census)
    {
        Violations = violations;
        ViolationCount = violationCount;
        Census = census;
    }

    /// <summary>The first <see cref="MaxKeptViolations"/> violations found.</summary>
    public IReadOnlyList<Violation> Violations { get; }

    /// <summary>All violations found, kept or not.</summary>
    public long ViolationCount { get; }

    public PageCensus Census { get; }

    public bool IsClean => ViolationCount == 0;

    public bool Has(AuditRule rule) => Violations.Any(v => v.Rule == rule);

    public override string ToString()
    {
        if (IsClean)
        {
            return $"audit clean: {Census}";
        }

        var sb = new StringBuilder();
        sb.Append($"audit found {ViolationCount} violation(s); {Census}");
        foreach (var v in Violations.Take(20))
        {
            sb.Append('\n').Append("  ").Append(v);
        }

        if (ViolationCount > 20)
        {
            sb.Append($"\n  ... and {ViolationCount - 20} more");
        }

        return sb.ToString();
    }
}

/// <summary>Pages by state at the time of an audit.</summary>
public readonly record struct PageCensus(long FreePages, long PcpPages, long AllocatedPages, long ReservedPages)
{
    public long Total => FreePages + PcpPages + AllocatedPages + ReservedPages;

    public override string ToString() =>
        $"free {FreePages} + pcp {PcpPages} + allocated {AllocatedPages} + reserved {ReservedPages} = {Total} pages";
}
