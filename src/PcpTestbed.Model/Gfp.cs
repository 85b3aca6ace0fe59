namespace PcpTestbed.Model;

/// <summary>
/// GFP bits the emulation interprets (include/linux/gfp_types.h), with the kernel's values for an
/// x86-64 build without lockdep. Bits the page allocator ignores here (zone modifiers, __GFP_ZERO, ...)
/// are left out.
/// </summary>
[Flags]
public enum Gfp : uint
{
    None = 0,
    Movable = 0x08,
    Reclaimable = 0x10,
    High = 0x20,
    Io = 0x40,
    Fs = 0x80,
    DirectReclaim = 0x400,
    KswapdReclaim = 0x800,
    NoWarn = 0x2000,
    Comp = 0x40000,
    NoMemalloc = 0x80000,
    Hardwall = 0x100000,

    /// <summary>__GFP_RECLAIM.</summary>
    Reclaim = DirectReclaim | KswapdReclaim,

    /// <summary>GFP_ATOMIC = __GFP_HIGH | __GFP_KSWAPD_RECLAIM.</summary>
    Atomic = High | KswapdReclaim,

    /// <summary>GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS.</summary>
    Kernel = Reclaim | Io | Fs,

    /// <summary>GFP_NOWAIT = __GFP_KSWAPD_RECLAIM | __GFP_NOWARN.</summary>
    NoWait = KswapdReclaim | NoWarn,

    /// <summary>GFP_USER.</summary>
    User = Reclaim | Io | Fs | Hardwall,

    /// <summary>GFP_HIGHUSER_MOVABLE without the zone modifier (one zone here).</summary>
    HighUserMovable = User | Movable,

    /// <summary>GFP_MOVABLE_MASK.</summary>
    MovableMask = Movable | Reclaimable,
}

/// <summary>GFP helpers.</summary>
public static class GfpExtensions
{
    /// <summary>gfp_migratetype(): the migratetype a request asks for.</summary>
    /// <exception cref="ArgumentException">Both __GFP_MOVABLE and __GFP_RECLAIMABLE are set (the kernel warns).</exception>
    public static MigrateType MigrateType(this Gfp gfp)
    {
        var bits = gfp & Gfp.MovableMask;
        if (bits == Gfp.MovableMask)
        {
            throw new ArgumentException("gfp has both __GFP_MOVABLE and __GFP_RECLAIMABLE set", nameof(gfp));
        }

        return (MigrateType)((uint)bits >> 3);
    }

    /// <summary>gfpflags_allow_blocking().</summary>
    public static bool AllowsBlocking(this Gfp gfp) => (gfp & Gfp.DirectReclaim) != 0;

    /// <summary>Parses a name such as "GFP_KERNEL", "atomic" or "GFP_ATOMIC|__GFP_NOMEMALLOC".</summary>
    public static bool TryParse(string text, out Gfp gfp)
    {
        gfp = Gfp.None;
        foreach (var raw in text.Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var name = raw.ToUpperInvariant().Replace("__GFP_", "").Replace("GFP_", "").Replace("_", "");
            if (!Enum.TryParse(name, ignoreCase: true, out Gfp bit) || !Enum.IsDefined(bit))
            {
                return false;
            }

            gfp |= bit;
        }

        return true;
    }
}
