namespace PcpTestbed.Model.Sync;

/// <summary>
/// The allocator's entry points, as the execution seam sees them begin and end (<see cref="IExecution.OpBegin"/>).
/// Each is named for the kernel function it stands for.
/// </summary>
public enum AllocatorOp : byte
{
    /// <summary>alloc_pages(): arg0 the order, arg1 the gfp mask; the result is the absolute pfn or -1.</summary>
    Alloc,

    /// <summary>__free_pages(): arg0 the absolute pfn, arg1 the order.</summary>
    Free,

    /// <summary>free_unref_folios(): arg0 the number of folios in the batch.</summary>
    FreeBatch,

    /// <summary>drain_all_pages().</summary>
    DrainAllPages,

    /// <summary>decay_pcp_high() from the vmstat work.</summary>
    DecayPcpHigh,

    /// <summary>kswapd clearing the watermark boost.</summary>
    ClearWatermarkBoost,

    /// <summary>page_alloc_cpu_dead(): arg0 the dead CPU.</summary>
    CpuDead,

    /// <summary>page_alloc_cpu_online(): arg0 the CPU coming online.</summary>
    CpuOnline,
}

public static class AllocatorOps
{
    public const int Count = (int)AllocatorOp.CpuOnline + 1;

    /// <summary>The kernel function an entry point stands for.</summary>
    public static string KernelName(AllocatorOp op) => op switch
    {
        AllocatorOp.Alloc => "alloc_pages",
        AllocatorOp.Free => "__free_pages",
        AllocatorOp.FreeBatch => "free_unref_folios",
        AllocatorOp.DrainAllPages => "drain_all_pages",
        AllocatorOp.DecayPcpHigh => "decay_pcp_high",
        AllocatorOp.ClearWatermarkBoost => "balance_pgdat:clear_boost",
        AllocatorOp.CpuDead => "page_alloc_cpu_dead",
        AllocatorOp.CpuOnline => "page_alloc_cpu_online",
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    /// <summary>A call with its arguments as <see cref="IExecution.OpBegin"/> reported them, e.g. <c>__free_pages(pfn 0x1a2, order 0)</c>.</summary>
    public static string Describe(AllocatorOp op, long arg0, long arg1) => op switch
    {
        AllocatorOp.Alloc => $"alloc_pages(gfp 0x{arg1:x}, order {arg0})",
        AllocatorOp.Free => $"__free_pages(pfn 0x{arg0:x}, order {arg1})",
        AllocatorOp.FreeBatch => $"free_unref_folios({arg0} folios)",
        AllocatorOp.CpuDead or AllocatorOp.CpuOnline => $"{KernelName(op)}(CPU {arg0})",
        _ => $"{KernelName(op)}()",
    };
}
