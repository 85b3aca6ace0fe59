namespace PcpTestbed.Workloads.Work;

/// <summary>
/// The kernel work a workload charges around its allocator calls, one item per row of the cost table
/// (<see cref="KernelWorkCosts"/>): the work of the kernel path the workload stands for that is not the page
/// allocator itself (which the testbed runs for real).
/// </summary>
public enum KernelWorkItem
{
    /// <summary>A minor anonymous fault without clear_page() and without the allocator: exception entry and exit, handle_mm_fault(), do_anonymous_page(), the memcg charge, the LRU add, set_pte_at(). Per faulted page or folio.</summary>
    Fault,

    /// <summary>clear_page() of one cold 4 KiB page (folio_zero_user() per page of a larger folio).</summary>
    ClearPage,

    /// <summary>zap_pte_range() and the mmu_gather's gathering for one page of a munmap() or exit_mmap(), without the allocator.</summary>
    UnmapPage,

    /// <summary>One mmu_gather flush (tlb_flush_mmu(): a full local TLB flush, the range being over tlb_single_page_flush_ceiling).</summary>
    TlbFlush,

    /// <summary>One madvise(MADV_DONTNEED) call: the syscall, mmap_lock, the VMA walk, the mmu_gather and one local TLB flush.</summary>
    Madvise,

    /// <summary>zap_pte_range() and the gathering for one page of a MADV_DONTNEED extent, without the allocator.</summary>
    MadvisePage,

    /// <summary>The purger waiting for its TLB shootdown IPIs to be acknowledged, per madvise() of a process with threads on other CPUs.</summary>
    ShootdownWait,

    /// <summary>A TLB shootdown IPI handled on a CPU running one of the process's threads (flush_tlb_func()), per madvise() per such CPU.</summary>
    ShootdownIpi,

    /// <summary>The receive path of one packet: driver RX, skb build, GRO attempt, IP and UDP receive, socket lookup, enqueue, wake-up.</summary>
    PacketReceive,

    /// <summary>The consumer of one packet: recvmsg(), the copy of about 1.5 KB to user space, the skb free.</summary>
    PacketConsume,
}
