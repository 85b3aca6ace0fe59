namespace PcpTestbed.Model.Audit;

/// <summary>One broken invariant: the rule, the absolute pfn it was found at (-1 if none), and what was wrong.</summary>
public sealed record Violation(AuditRule Rule, long Pfn, string Message)
{
    public override string ToString() =>
        Pfn >= 0 ? $"[{AuditRules.Describe(Rule)}] pfn:{Pfn:x}: {Message}" : $"[{AuditRules.Describe(Rule)}] {Message}";
}
