using PcpTestbed.Model;

namespace PcpTestbed.Workloads.Work;

/// <summary>The names of <see cref="KernelWorkItem"/> in the JSON and the tables.</summary>
public static class KernelWorkItems
{
    public const int Count = (int)KernelWorkItem.PacketConsume + 1;

    private static readonly NameTable<KernelWorkItem> Table = new(
        (KernelWorkItem.Fault, "fault", "do_anonymous_page() without the clear and the allocator, per faulted page or folio"),
        (KernelWorkItem.ClearPage, "clearPage", "clear_page() of a cold 4 KiB page"),
        (KernelWorkItem.UnmapPage, "unmapPage", "zap_pte_range() and the gather per page of munmap() or exit_mmap()"),
        (KernelWorkItem.TlbFlush, "tlbFlush", "one mmu_gather flush (tlb_flush_mmu())"),
        (KernelWorkItem.Madvise, "madvise", "one madvise(MADV_DONTNEED) call with its local TLB flush"),
        (KernelWorkItem.MadvisePage, "madvisePage", "zap_pte_range() and the gather per page of a MADV_DONTNEED extent"),
        (KernelWorkItem.ShootdownWait, "shootdownWait", "the purger waiting for its TLB shootdown, per madvise()"),
        (KernelWorkItem.ShootdownIpi, "shootdownIpi", "a TLB shootdown IPI on each other CPU running the process, per madvise()"),
        (KernelWorkItem.PacketReceive, "packetReceive", "the receive path of one packet"),
        (KernelWorkItem.PacketConsume, "packetConsume", "recvmsg() of one packet: the copy to user space and the skb free"));

    public static IEnumerable<KernelWorkItem> All => Table.All;

    public static string Name(KernelWorkItem item) => Table.Name(item);

    public static string Description(KernelWorkItem item) => Table.Description(item);
}
