namespace PcpTestbed.Model;

/// <summary>
/// Page allocator constants for x86-64 with 4 KiB pages
/// (include/linux/mmzone.h, include/linux/pageblock-flags.h, mm/internal.h, mm/page_alloc.c).
/// </summary>
public static class PageAlloc
{
    public const int PageShift = 12;
    public const int PageSizeBytes = 1 << PageShift;

    /// <summary>MAX_PAGE_ORDER: orders 0..10.</summary>
    public const int MaxPageOrder = 10;

    /// <summary>NR_PAGE_ORDERS.</summary>
    public const int NrPageOrders = MaxPageOrder + 1;

    /// <summary>MAX_ORDER_NR_PAGES.</summary>
    public const int MaxOrderNrPages = 1 << MaxPageOrder;

    /// <summary>pageblock_order (= HPAGE_PMD_ORDER on x86-64).</summary>
    public const int PageblockOrder = 9;

    /// <summary>pageblock_nr_pages: 512 pages, 2 MiB.</summary>
    public const int PageblockNrPages = 1 << PageblockOrder;

    /// <summary>PAGE_ALLOC_COSTLY_ORDER.</summary>
    public const int PageAllocCostlyOrder = 3;

    /// <summary>HPAGE_PMD_ORDER: the THP order cached on the PCP lists.</summary>
    public const int HpagePmdOrder = 9;

    /// <summary>NR_PCP_LISTS: MIGRATE_PCPTYPES lists for each order 0..COSTLY, plus two THP lists.</summary>
    public const int NrPcpLists = MigrateTypes.PcpTypes * (PageAllocCostlyOrder + 1) + 2;

    /// <summary>CONFIG_PCP_BATCH_SCALE_MAX (default 5).</summary>
    public const int PcpBatchScaleMax = 5;

    /// <summary>MIN_PERCPU_PAGELIST_HIGH_FRACTION.</summary>
    public const int MinPercpuPagelistHighFraction = 8;

    /// <summary>Default vm.watermark_scale_factor.</summary>
    public const int DefaultWatermarkScaleFactor = 10;

    /// <summary>Default vm.watermark_boost_factor.</summary>
    public const int DefaultWatermarkBoostFactor = 15000;

    /// <summary>PAGEVEC_SIZE: the folios a folio_batch holds (include/linux/pagevec.h), so the most one free_unref_folios() call frees.</summary>
    public const int PagevecSize = 31;

    /// <summary>SWAP_CLUSTER_MAX.</summary>
    public const int SwapClusterMax = 32;

    /// <summary>pcp_allowed_order(): orders cached on the PCP lists.</summary>
    public static bool PcpAllowedOrder(int order) => order <= PageAllocCostlyOrder || order == HpagePmdOrder;

    /// <summary>order_to_pindex(): the PCP list index for a migratetype and order.</summary>
    public static int OrderToPindex(MigrateType migratetype, int order)
    {
        if (order > PageAllocCostlyOrder)
        {
            // The two THP lists: pindex 12 holds non-movable, 13 movable THPs.
            return NrPcpLists - 2 + (migratetype == MigrateType.Movable ? 1 : 0);
        }

        return MigrateTypes.PcpTypes * order + (int)migratetype;
    }

    /// <summary>pindex_to_order().</summary>
    public static int PindexToOrder(int pindex)
    {
        return pindex >= NrPcpLists - 2 ? HpagePmdOrder : pindex / MigrateTypes.PcpTypes;
    }

    /// <summary>A pfn range check for orders passed in from outside the model.</summary>
    public static bool IsValidOrder(int order) => order is >= 0 and <= MaxPageOrder;
}
