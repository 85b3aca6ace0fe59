using PcpTestbed.Model;

namespace PcpTestbed.Workloads.Work;

/// <summary>
/// The mmu_gather's cadence (include/asm-generic/tlb.h, mm/mmu_gather.c), which decides how munmap(),
/// MADV_DONTNEED and exit_mmap() hand pages to the allocator. zap_pte_range() gathers each page it unmaps
/// (__tlb_remove_folio_pages()); when the gather is full, or the unmap is done (tlb_finish_mmu()), tlb_flush_mmu()
/// flushes the TLB and then frees everything gathered: tlb_batch_pages_flush() hands the pages to
/// free_pages_and_swap_cache() up to MAX_NR_FOLIOS_PER_FREE (512) at a time, which puts them in folio_batches of
/// PAGEVEC_SIZE (31) and calls folios_put_refs() on each full batch, which ends in free_unref_folios(). So pages reach
/// the allocator in bursts of up to <see cref="MaxPages"/>, 31 per free_unref_folios() call, after a zap of the same
/// pages and one flush.
/// </summary>
public static class MmuGather
{
    /// <summary>MMU_GATHER_BUNDLE: the pages the mmu_gather's embedded batch holds.</summary>
    public const int BundlePages = 8;

    /// <summary>MAX_GATHER_BATCH: (PAGE_SIZE - sizeof(struct mmu_gather_batch)) / sizeof(void *) with 4 KiB pages.</summary>
    public const int BatchPages = 510;

    /// <summary>MAX_GATHER_BATCH_COUNT: 10000UL / MAX_GATHER_BATCH ("10K pages freed at once should be safe even without a preemption point").</summary>
    public const int BatchCount = 10_000 / BatchPages;

    /// <summary>The most pages one gather holds before tlb_flush_mmu(): 8 + 19 × 510 = 9,698.</summary>
    public const int MaxPages = BundlePages + (BatchCount * BatchPages);

    /// <summary>PAGEVEC_SIZE: the folios free_pages_and_swap_cache() hands to one free_unref_folios() call.</summary>
    public const int FolioBatch = PageAlloc.PagevecSize;
}
