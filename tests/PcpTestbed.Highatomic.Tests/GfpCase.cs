using PcpTestbed.Model;

namespace PcpTestbed.Highatomic.Tests;

/// <summary>A gfp mask of the use and growth tables, with the name the tables print.</summary>
public sealed record GfpCase(string Name, Gfp Mask)
{
    /// <summary>Non-blocking, __GFP_HIGH: the one combination the 6.18 rule lets use the reserve.</summary>
    public static readonly GfpCase Atomic = new("GFP_ATOMIC", Gfp.Atomic);

    public static readonly GfpCase AtomicNoMemalloc = new("GFP_ATOMIC|__GFP_NOMEMALLOC", Gfp.Atomic | Gfp.NoMemalloc);

    /// <summary>Non-blocking without __GFP_HIGH: had ALLOC_HIGHATOMIC from 6.3 to 6.17, not since.</summary>
    public static readonly GfpCase NoWait = new("GFP_NOWAIT", Gfp.NoWait);

    public static readonly GfpCase Kernel = new("GFP_KERNEL", Gfp.Kernel);

    /// <summary>__GFP_HIGH but blocking: ALLOC_MIN_RESERVE without ALLOC_NON_BLOCK.</summary>
    public static readonly GfpCase HighKernel = new("__GFP_HIGH|GFP_KERNEL", Gfp.High | Gfp.Kernel);

    public static IReadOnlyList<GfpCase> All { get; } = [Atomic, AtomicNoMemalloc, NoWait, Kernel, HighKernel];

    /// <summary>The orders the tables probe: order 0, the PCP orders 1..3, the first costly order, THP and MAX_PAGE_ORDER.</summary>
    public static IReadOnlyList<int> Orders { get; } = [0, 1, 2, 3, 4, 9, 10];

    public override string ToString() => Name;
}
