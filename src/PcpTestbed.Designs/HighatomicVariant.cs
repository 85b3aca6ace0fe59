using PcpTestbed.Model;

namespace PcpTestbed.Designs;

/// <summary>
/// Which MIGRATE_HIGHATOMIC rules the allocation path follows (linux-mm, 2026). They differ in which
/// allocations may use the reserve and which may grow it (../shared/KERNEL.md §4).
/// </summary>
public enum HighatomicVariant
{
    /// <summary>Before the Mar 2026 fix: any ALLOC_HIGHATOMIC success, even a PCP hit, reserves a block, up to the cap.</summary>
    Pre202603,

    /// <summary>Mainline before the fastpath patch: reserve only on the buddy path, never at or below the costly order; PCP bypass.</summary>
    May2026,

    /// <summary>Jun 2026 v2: ALLOC_HIGHATOMIC means "may use"; ALLOC_HIGHATOMIC_RESERVE "may grow"; fast path may use for orders 1..COSTLY.</summary>
    V2,

    /// <summary>Jun 2026 v3: no new flag; growth only when (flags &amp; ALLOC_WMARK_MASK) == ALLOC_WMARK_MIN; one nonblocking helper for both paths.</summary>
    V3,
}

public static class HighatomicVariants
{
    private static readonly NameTable<HighatomicVariant> Table = new(
        (HighatomicVariant.Pre202603, "pre-2026-03", "a PCP-served atomic allocation reserves a block every time, up to the cap"),
        (HighatomicVariant.May2026, "2026-05", "reserve only on the buddy path and above the costly order; no PCP refill for ALLOC_HIGHATOMIC"),
        (HighatomicVariant.V2, "v2", "ALLOC_HIGHATOMIC = use, ALLOC_HIGHATOMIC_RESERVE = grow; fast path uses reserves for orders 1..3"),
        (HighatomicVariant.V3, "v3", "growth only on the slow path (WMARK_MIN); gfp_to_alloc_flags_nonblocking() on both paths"));

    public const HighatomicVariant Default = HighatomicVariant.May2026;

    public static string Name(HighatomicVariant v) => Table.Name(v);

    public static string Description(HighatomicVariant v) => Table.Description(v);

    public static IEnumerable<HighatomicVariant> All => Table.All;

    public static string Names => Table.Names;

    public static bool TryParse(string name, out HighatomicVariant variant) => Table.TryParse(name, out variant);
}
