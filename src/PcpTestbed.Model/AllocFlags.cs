namespace PcpTestbed.Model;

/// <summary>ALLOC_* flags (mm/internal.h). The low two bits index the watermark.</summary>
[Flags]
public enum AllocFlags : uint
{
    /// <summary>ALLOC_WMARK_MIN. It is 0, so it can only be tested through <see cref="WmarkMask"/>.</summary>
    WmarkMin = 0,
    WmarkLow = 1,
    WmarkHigh = 2,
    NoWatermarks = 0x4,

    /// <summary>ALLOC_WMARK_MASK = ALLOC_NO_WATERMARKS - 1.</summary>
    WmarkMask = NoWatermarks - 1,

    Oom = 0x8,
    NonBlock = 0x10,

    /// <summary>ALLOC_MIN_RESERVE, equal to __GFP_HIGH by construction.</summary>
    MinReserve = 0x20,
    Cpuset = 0x40,
    Cma = 0x80,
    NoFragment = 0x100,
    HighAtomic = 0x200,
    Trylock = 0x400,

    /// <summary>ALLOC_KSWAPD, equal to __GFP_KSWAPD_RECLAIM by construction.</summary>
    Kswapd = 0x800,

    /// <summary>ALLOC_HIGHATOMIC_RESERVE: "may grow the reserve". Only the June 2026 v2 patch defines it.</summary>
    HighAtomicReserve = 0x1000,

    /// <summary>ALLOC_RESERVES: flags that may dip below the min watermark.</summary>
    Reserves = NonBlock | MinReserve | HighAtomic | Oom,
}

/// <summary>Watermark indices (enum zone_watermarks).</summary>
public enum WatermarkKind
{
    Min = 0,
    Low = 1,
    High = 2,
    Promo = 3,
}

public static class AllocFlagsExtensions
{
    /// <summary>alloc_flags &amp; ALLOC_WMARK_MASK as a watermark index.</summary>
    public static WatermarkKind Watermark(this AllocFlags flags) => (WatermarkKind)(flags & AllocFlags.WmarkMask);

    public static bool Has(this AllocFlags flags, AllocFlags bits) => (flags & bits) != 0;
}
