using PcpTestbed.Model;

namespace PcpTestbed.Designs;

/// <summary>The PCP designs, selectable by name.</summary>
public enum DesignKind
{
    /// <summary>Today's PCP (mm/page_alloc.c).</summary>
    Mainline,

    /// <summary>The April 2026 pageblock-owning RFC as posted.</summary>
    Pageblock,

    /// <summary>The RFC with phases 0 and 2 following __rmqueue()'s CMA decision, as agreed in review.</summary>
    PageblockCmaFix,

    /// <summary>The RFC with remote frees pushed onto a lock-free per-owner list instead of taking the owner's pcp->lock.</summary>
    PageblockLockFree,
}

public static class Designs
{
    private static readonly NameTable<DesignKind> Table = new(
        (DesignKind.Mainline, "mainline", "today's PCP: batch/high sizing, rmqueue_bulk refill, free_pcppages_bulk drain, trylock fallbacks"),
        (DesignKind.Pageblock, "pageblock", "the Apr 2026 RFC as posted: CPUs own pageblocks, remote frees go to the owner, PCP-level merging, 4-phase refill"),
        (DesignKind.PageblockCmaFix, "pageblock-cmafix", "the RFC with refill phases 0 and 2 following __rmqueue's CMA decision (the review fix)"),
        (DesignKind.PageblockLockFree, "pageblock-lockfree", "the RFC with remote frees on a lock-free per-owner list the owner takes whole (beyond the RFC)"));

    public static string Name(DesignKind kind) => Table.Name(kind);

    public static string Description(DesignKind kind) => Table.Description(kind);

    public static IEnumerable<DesignKind> All => Table.All;

    public static bool IsPageblock(DesignKind kind) => kind != DesignKind.Mainline;

    public static bool TryParse(string name, out DesignKind kind) => Table.TryParse(name, out kind);

    public static string Names => Table.Names;
}
