namespace PcpTestbed.Workloads.Work;

/// <summary>
/// The published cost of each <see cref="KernelWorkItem"/>, in ns, at <c>--work-scale 1</c>. Each is the kernel path's
/// measured total less the page allocator's share (the testbed runs the allocator itself) and, for a fault, less the
/// clear, which is charged on its own. They describe a kernel developer's x86 server, not this host: do not rescale
/// them to the machine running the testbed (<c>--work-scale</c> scales them all).
/// </summary>
/// <remarks>
/// Sources (the figures are derived as each comment says; the README's "Per-page work" table repeats them):
/// <list type="bullet">
/// <item>S1: Huang Ying, "Re: [PATCH 1/6] mm: page_alloc: remove pcppage migratetype caching", linux-mm, 2023-09-27,
/// &lt;87y1gsrx32.fsf@yhuang6-desk2.ccr.corp.intel.com&gt;: one-process will-it-scale page_fault1 with
/// percpu_pagelist_high_fraction=8, 618,364 iterations/s, i.e. 1.617 µs per page for the whole cycle.</item>
/// <item>S2: Huang Ying, "[PATCH -V2 04/10] mm: restrict the pcp batch scale factor to avoid too long latency",
/// 2023-09-26, &lt;20230926060911.266511-5-ying.huang@intel.com&gt; (commit 52166607ecc9): page_fault1 at 1.26-2.47 µs
/// per page on five Intel machines; zone->lock held 22-56 ns per page in rmqueue_bulk()/free_pcppages_bulk().</item>
/// <item>S5: Ankur Arora, "[PATCH v6 14/15] x86/clear_page: Introduce clear_pages()", 2025-09-02,
/// &lt;20250902080816.3715913-15-ankur.a.arora@oracle.com&gt; (commit cb431accb36e): "perf bench mem memset -k 4KB -s 4GB
/// ... 13.748208 GB/sec" on AMD Milan: 4096 B / 13.75 GB/s = 0.30 µs per cold 4 KiB page.</item>
/// <item>S7: Aaron Lu, "[PATCH 0/5] mm: support parallel free of memory", LKML, 2017-02-24
/// (https://lkml.iu.edu/hypermail/linux/kernel/1702.3/00244.html): free() of a 320 GB malloc (munmap, THP off) takes
/// 10.8 s on a Haswell-EX with v4.10: 129 ns per page with the allocator, about 100 ns without it.</item>
/// <item>S8: SeongJae Park, "[PATCH v2 0/4] mm/madvise: batch tlb flushes for MADV_DONTNEED and MADV_FREE", 2025-04-04,
/// &lt;20250404210700.2156-1-sj@kernel.org&gt;: 0.36 µs per page for one-page MADV_DONTNEED ranges with one flush per
/// call, an upper bound for the per-page zap of a large extent.</item>
/// <item>S9: Dave Hansen, "x86/mm: Set TLB flush tunable to sane value (33)", commit a5102476a24b (2014): "Each single
/// flush is about 100 ns". S10: Ingo Molnar, "Re: [PATCH 0/3] TLB flush multiple pages per IPI v5", 2015-06-08,
/// &lt;20150608195237.GA15429@gmail.com&gt;: "__flush_tlb() fn : 96 cycles".</item>
/// <item>S11: Nadav Amit, "[RFC PATCH v2 0/3] x86/mm/tlb: Defer PTI flushes", 2019-08-23,
/// &lt;20190823225248.15597-1-namit@vmware.com&gt;: madvise(DONTNEED) of one page with a local flush, 2,119 cycles on
/// Skylake: 0.7 µs at 3 GHz.</item>
/// <item>S12: Rik van Riel, "[PATCH v13 00/14] AMD broadcast TLB invalidation", 2025-02-23,
/// &lt;20250223194943.3518952-1-riel@surriel.com&gt;: will-it-scale tlb_flush2_threads on 36-core Milan, 527k loops/s
/// with TLB invalidation at 40 % of CPU time: 36 / 527k × 40 % / 35 targets = 0.8 µs per target CPU per shootdown;
/// the initiator's wait (2 µs) is an estimate from the same figure, no clean primary measurement was found.</item>
/// <item>S13: Høiland-Jørgensen et al., "The eXpress Data Path", CoNEXT 2018, doi:10.1145/3281411.3281443: the Linux
/// stack drops 4.8 Mpps per core in the iptables raw table (208 ns per packet), 1.8 Mpps with conntrack; 0.40 µs
/// adds an estimated 0.2 µs of UDP delivery.</item>
/// </list>
/// The consumer's per-packet cost (recvmsg(), a 1.5 KB copy, the skb free) has no published figure the testbed could
/// find: 0.40 µs is an estimate. The shootdown figures are the least certain; with AMD INVLPGB or Intel RAR the IPIs
/// disappear.
/// </remarks>
public sealed record KernelWorkCosts
{
    /// <summary>
    /// S1's 1.617 µs per page_fault1 page less the clear (0.30, S5), the munmap teardown (0.10, S7) and the allocator
    /// (about 0.15, S2): 1.07 µs; the sum of the parts derived from S2's five machines leaves 0.90, which is used.
    /// </summary>
    public double FaultNs { get; init; } = 900;

    /// <summary>S5: a cold 4 KiB clear at 13.75 GB/s (Milan); 0.52 µs on Icelake-X with turbo off (S6, same author).</summary>
    public double ClearPageNs { get; init; } = 300;

    /// <summary>S7: 129 ns per page for a whole-range munmap with the allocator, less about 30 ns under zone->lock (S2).</summary>
    public double UnmapPageNs { get; init; } = 100;

    /// <summary>S9, S10: a full local flush by CR3 write is 0.03-0.1 µs plus the refills it causes.</summary>
    public double TlbFlushNs { get; init; } = 100;

    /// <summary>S11: one-page madvise(MADV_DONTNEED) with a local flush, 2,119 cycles on Skylake.</summary>
    public double MadviseNs { get; init; } = 700;

    /// <summary>Between S7's whole-range 0.10 µs and S8's one-page-range 0.36 µs per page.</summary>
    public double MadvisePageNs { get; init; } = 150;

    /// <summary>S12 (estimate): the purger waits for the acknowledgements of its shootdown IPIs.</summary>
    public double ShootdownWaitNs { get; init; } = 2000;

    /// <summary>S12: TLB-invalidation CPU time per target CPU per shootdown.</summary>
    public double ShootdownIpiNs { get; init; } = 800;

    /// <summary>S13: 208 ns per packet to the raw table, plus an estimated 0.2 µs for UDP delivery.</summary>
    public double PacketReceiveNs { get; init; } = 400;

    /// <summary>No published figure found: an estimate (a warm 1.5 KB copy about 0.1 µs, the syscall amortised over a recvmmsg() batch and the skb free about 0.3 µs).</summary>
    public double PacketConsumeNs { get; init; } = 400;

    /// <summary>The published costs.</summary>
    public static KernelWorkCosts Published { get; } = new();

    public double this[KernelWorkItem item] => item switch
    {
        KernelWorkItem.Fault => FaultNs,
        KernelWorkItem.ClearPage => ClearPageNs,
        KernelWorkItem.UnmapPage => UnmapPageNs,
        KernelWorkItem.TlbFlush => TlbFlushNs,
        KernelWorkItem.Madvise => MadviseNs,
        KernelWorkItem.MadvisePage => MadvisePageNs,
        KernelWorkItem.ShootdownWait => ShootdownWaitNs,
        KernelWorkItem.ShootdownIpi => ShootdownIpiNs,
        KernelWorkItem.PacketReceive => PacketReceiveNs,
        KernelWorkItem.PacketConsume => PacketConsumeNs,
        _ => throw new ArgumentOutOfRangeException(nameof(item)),
    };
}
