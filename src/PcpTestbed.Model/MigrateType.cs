namespace PcpTestbed.Model;

/// <summary>enum migratetype with CONFIG_CMA and CONFIG_MEMORY_ISOLATION (include/linux/mmzone.h).</summary>
public enum MigrateType : byte
{
    Unmovable = 0,
    Movable = 1,
    Reclaimable = 2,
    HighAtomic = 3,
    Cma = 4,
    Isolate = 5,
}

/// <summary>Migratetype helpers: counts, mergeability and the fallback table.</summary>
public static class MigrateTypes
{
    /// <summary>MIGRATE_PCPTYPES: the types that have PCP lists.</summary>
    public const int PcpTypes = 3;

    /// <summary>MIGRATE_TYPES.</summary>
    public const int Count = 6;

    private static readonly MigrateType[] Fallbacks =
    [
        MigrateType.Reclaimable, MigrateType.Movable,   // UNMOVABLE
        MigrateType.Reclaimable, MigrateType.Unmovable, // MOVABLE
        MigrateType.Unmovable, MigrateType.Movable,     // RECLAIMABLE
    ];

    private static readonly string[] KernelNames = ["Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate"];

    /// <summary>migratetype_is_mergeable(): only the PCP types merge across pageblocks.</summary>
    public static bool IsMergeable(MigrateType mt) => (int)mt < PcpTypes;

    /// <summary>fallbacks[mt][i] for i in 0..MIGRATE_PCPTYPES-2.</summary>
    public static MigrateType Fallback(MigrateType mt, int i)
    {
        if ((int)mt >= PcpTypes || (uint)i >= PcpTypes - 1)
        {
            throw new ArgumentOutOfRangeException(nameof(mt), $"fallbacks[] has no entry [{mt}][{i}]");
        }

        return Fallbacks[(int)mt * (PcpTypes - 1) + i];
    }

    /// <summary>The name /proc/pagetypeinfo prints (migratetype_names[]).</summary>
    public static string KernelName(MigrateType mt) => KernelNames[(int)mt];

    /// <summary>
    /// The name of the migratetype a page's tag byte claims, for reports about pages that may be corrupt: the kernel name, or
    /// "an unknown type (N)" for a byte no migratetype has (a broken list's page; the auditor must report it, not throw).
    /// </summary>
    public static string TagName(byte tag) => tag < Count ? KernelNames[tag] : $"an unknown type ({tag})";

    /// <summary>Parses a /proc/pagetypeinfo column name or a user-facing name, case-insensitively.</summary>
    public static bool TryParse(string name, out MigrateType mt)
    {
        for (var i = 0; i < Count; i++)
        {
            if (string.Equals(KernelNames[i], name, StringComparison.OrdinalIgnoreCase))
            {
                mt = (MigrateType)i;
                return true;
            }
        }

        mt = default;
        return false;
    }

    public static IEnumerable<MigrateType> All()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return (MigrateType)i;
        }
    }
}
