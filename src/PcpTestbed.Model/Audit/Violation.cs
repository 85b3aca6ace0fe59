namespace PcpTestbed.Model.Audit;

/// <summary>One broken invariant: the rule, the absolute pfn it was found at (-1 if none), and what was wrong.</summary>
public sealed record Violation(AuditRule Rule, long Pfn, string Message)
{
    /// <summary><see cref="Pfn"/>, or null when the violation names no page.</summary>
    public long? PfnOrNull => Pfn >= 0 ? Pfn : null;

    public override string ToString() =>
        Pfn >= 0 ? $"[{AuditRules.Describe(Rule)}] pfn:{Pfn:x}: {Message}" : $"[{AuditRules.Describe(Rule)}] {Message}";
}
