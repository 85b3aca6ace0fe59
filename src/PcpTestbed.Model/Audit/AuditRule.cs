namespace PcpTestbed.Model.Audit;

/// <summary>The invariants of ../shared/KERNEL.md §7 the auditor checks, one value per rule.</summary>
public enum AuditRule
{
    /// <summary>§7.1: every pfn is in exactly one state; free + PCP + allocated (+ reserved) = present.</summary>
    SingleState,

    /// <summary>§7.2: nr_free and every counter equal what the lists hold.</summary>
    Counters,

    /// <summary>§7.2: pcp.count equals the pages on its lists.</summary>
    PcpCount,

    /// <summary>§7.3: free chunks are aligned, inside the zone, maximally merged, on their block type's list.</summary>
    FreeShape,

    /// <summary>§7.4: ownership of pageblocks and of owned free pages (pageblock design).</summary>
    Ownership,

    /// <summary>§7.5: a page freed after a failed pcp trylock never lands on a foreign PCP.</summary>
    TrylockFallback,

    /// <summary>§7.6: nr_reserved_highatomic within the cap, in whole blocks, matching the HIGHATOMIC blocks.</summary>
    Highatomic,
}

public static class AuditRules
{
    /// <summary>The KERNEL.md section and a short name, as reports print them.</summary>
    public static string Describe(AuditRule rule) => rule switch
    {
        AuditRule.SingleState => "§7.1 single-state",
        AuditRule.Counters => "§7.2 counters",
        AuditRule.PcpCount => "§7.2 pcp-count",
        AuditRule.FreeShape => "§7.3 free-shape",
        AuditRule.Ownership => "§7.4 ownership",
        AuditRule.TrylockFallback => "§7.5 trylock-fallback",
        AuditRule.Highatomic => "§7.6 highatomic",
        _ => rule.ToString(),
    };
}
