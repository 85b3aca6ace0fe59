namespace PcpTestbed.Model.Sync;

/// <summary>
/// Where the allocator makes a scheduling point: every access to state shared between CPUs made outside the lock that
/// guards it (or with no lock at all), and every operation on guarded data inside a critical section (a list
/// operation, a counter update), so that a critical section entered without its lock can interleave with one that
/// holds it. Every <see cref="IExecution.SharedRead"/>, <see cref="IExecution.SharedWrite"/>,
/// <see cref="IExecution.CompareExchange"/> and <see cref="IExecution.Exchange"/> names one. Each member carries its
/// stable name (<see cref="SiteAttribute"/>); <see cref="AccessSites"/> is the table, so coverage can list the sites no
/// schedule reached. Add a member for a new point; never reuse one for another access. No site exists only on an
/// injected bug's path: a bug must be found through the points of the correct code.
/// </summary>
public enum AccessSite : byte
{
    /// <summary>zone_watermark_fast(): the free counters and free lists, read without zone->lock.</summary>
    [Site("zone_watermark_fast:vm_stat")]
    WatermarkCheck,

    /// <summary>drain_all_pages(): mutex_trylock(&amp;pcpu_drain_mutex), a cmpxchg.</summary>
    [Site("drain_all_pages:mutex_trylock")]
    DrainMutexTrylock,

    /// <summary>drain_all_pages(): cpus_with_pcps built from a racy read of each pcp->count.</summary>
    [Site("drain_all_pages:pcp_count")]
    DrainAllPagesCount,

    /// <summary>drain_all_pages(): mutex_unlock(&amp;pcpu_drain_mutex).</summary>
    [Site("drain_all_pages:mutex_unlock")]
    DrainMutexUnlock,

    /// <summary>decay_pcp_high(): pcp->high lowered, and the pages to drain worked out, without pcp->lock.</summary>
    [Site("decay_pcp_high:pcp_high")]
    DecayPcpHigh,

    /// <summary>page_alloc_cpu_dead(): the CPU leaves cpu_online_mask.</summary>
    [Site("page_alloc_cpu_dead:cpu_online")]
    CpuDeadOffline,

    /// <summary>page_alloc_cpu_online(): the CPU joins cpu_online_mask, publishing its reset PCP.</summary>
    [Site("page_alloc_cpu_online:cpu_online")]
    CpuOnlineOnline,

    /// <summary>reserve_highatomic_pageblock(): the racy cap check before zone->lock.</summary>
    [Site("reserve_highatomic_pageblock:nr_reserved")]
    HighatomicReserveCheck,

    /// <summary>unreserve_highatomic_pageblock(): the racy "keep one block" check before zone->lock.</summary>
    [Site("unreserve_highatomic_pageblock:nr_reserved")]
    HighatomicUnreserveCheck,

    /// <summary>free_unref_page(): get_pfnblock_migratetype() without zone->lock.</summary>
    [Site("free_unref_page:get_pfnblock_migratetype")]
    FreeMigratetype,

    /// <summary>Pageblock free_unref_page(): the block's type and owner in one racy load.</summary>
    [Site("free_unref_page:pageblock_owner")]
    FreeBlockOwner,

    /// <summary>free_unref_folios(): get_pfnblock_migratetype() of each folio without zone->lock.</summary>
    [Site("free_unref_folios:get_pfnblock_migratetype")]
    FreeBatchMigratetype,

    /// <summary>Pageblock free_unref_folios(): each folio's block type and owner in one racy load, to group the batch by owner.</summary>
    [Site("free_unref_folios:pageblock_owner")]
    FreeBatchBlockOwner,

    /// <summary>free_frozen_page_commit() after its bulk free: ZONE_BELOW_HIGH and the high watermark, read without zone->lock.</summary>
    [Site("free_frozen_page_commit:zone_below_high")]
    FreeCommitBelowHigh,

    /// <summary>Pageblock lock-free free: the owner read again after a push found its list closed.</summary>
    [Site("free_unref_page:owner_reread")]
    FreeOwnerReread,

    /// <summary>Pageblock free: the owner read again once the owner's pcp->lock is held.</summary>
    [Site("free_unref_page:owner_recheck")]
    FreeOwnerRecheck,

    /// <summary>Lock-free remote free: the page's state published (release) after its fields.</summary>
    [Site("remote_free_push:publish_state")]
    RemotePushPublish,

    /// <summary>Lock-free remote free: the list head read before the CAS.</summary>
    [Site("remote_free_push:read_head")]
    RemotePushReadHead,

    /// <summary>Lock-free remote free: the CAS that pushes the page.</summary>
    [Site("remote_free_push:cmpxchg_head")]
    RemotePushCmpxchg,

    /// <summary>The lock-free owner (under its pcp->lock) reads its remote list head.</summary>
    [Site("remote_free_take:read_head")]
    RemoteTakeReadHead,

    /// <summary>The lock-free owner takes its remote list whole with one exchange.</summary>
    [Site("remote_free_take:xchg_head")]
    RemoteTakeExchange,

    /// <summary>page_alloc_cpu_dead() closes the dead CPU's remote list.</summary>
    [Site("page_alloc_cpu_dead:close_remote_list")]
    RemoteListClose,

    /// <summary>page_alloc_cpu_online() reopens the CPU's remote list.</summary>
    [Site("page_alloc_cpu_online:open_remote_list")]
    RemoteListOpen,

    /// <summary>A scenario's own racy access (the canary).</summary>
    [Site("scenario:racy_access")]
    Scenario,

    // ---- racy reads and atomic writes outside any lock ---------------------------------------------------------

    /// <summary>get_page_from_freelist(): test_bit(ZONE_BELOW_HIGH), without zone-&gt;lock.</summary>
    [Site("get_page_from_freelist:zone_below_high")]
    AllocBelowHighTest,

    /// <summary>get_page_from_freelist(): set_bit(ZONE_BELOW_HIGH) after the high-watermark check failed.</summary>
    [Site("get_page_from_freelist:set_below_high")]
    AllocBelowHighSet,

    /// <summary>get_page_from_freelist(): the second zone_watermark_fast(), at the request's own mark (check_alloc_wmark).</summary>
    [Site("get_page_from_freelist:check_alloc_wmark")]
    AllocWatermarkCheck,

    /// <summary>rmqueue(): test_bit(ZONE_BOOSTED_WATERMARK) after the page is taken.</summary>
    [Site("rmqueue:boosted_watermark")]
    RmqueueBoostedTest,

    /// <summary>rmqueue(): clear_bit(ZONE_BOOSTED_WATERMARK) before waking kswapd.</summary>
    [Site("rmqueue:clear_boosted_watermark")]
    RmqueueBoostedClear,

    /// <summary>should_reclaim_retry(): the free counters, read without zone-&gt;lock.</summary>
    [Site("should_reclaim_retry:vm_stat")]
    ReclaimRetryCounters,

    /// <summary>kswapd's set_bit/clear_bit of ZONE_RECLAIM_ACTIVE (balance_pgdat()).</summary>
    [Site("balance_pgdat:zone_flags")]
    KswapdZoneFlags,

    /// <summary>nr_pcp_alloc(): READ_ONCE of pcp-&gt;batch, high_min and high_max (zone_pcp_update() writes them without pcp-&gt;lock).</summary>
    [Site("nr_pcp_alloc:pcp_sizing")]
    NrPcpAllocSizing,

    /// <summary>nr_pcp_alloc(): test_bit(ZONE_BELOW_HIGH).</summary>
    [Site("nr_pcp_alloc:zone_below_high")]
    NrPcpAllocBelowHigh,

    /// <summary>nr_pcp_high(): READ_ONCE of pcp-&gt;high_min and high_max.</summary>
    [Site("nr_pcp_high:pcp_sizing")]
    NrPcpHighSizing,

    /// <summary>nr_pcp_high(): test_bit(ZONE_RECLAIM_ACTIVE).</summary>
    [Site("nr_pcp_high:reclaim_active")]
    NrPcpHighReclaimActive,

    /// <summary>nr_pcp_high(): test_bit(ZONE_BELOW_HIGH).</summary>
    [Site("nr_pcp_high:zone_below_high")]
    NrPcpHighBelowHigh,

    /// <summary>free_frozen_page_commit(): READ_ONCE(pcp-&gt;batch), with pcp-&gt;high_min for the free_high heuristic.</summary>
    [Site("free_frozen_page_commit:pcp_batch")]
    FreeCommitBatch,

    /// <summary>free_frozen_page_commit() after its bulk free: zone_watermark_ok() at the high mark, without zone-&gt;lock.</summary>
    [Site("free_frozen_page_commit:vm_stat")]
    FreeCommitCounters,

    /// <summary>free_frozen_page_commit(): clear_bit(ZONE_BELOW_HIGH) once the zone is above its high mark again.</summary>
    [Site("free_frozen_page_commit:clear_below_high")]
    FreeCommitBelowHighClear,

    /// <summary>drain_all_pages(): for_each_online_cpu(), a racy read of cpu_online_mask (no cpus_read_lock()).</summary>
    [Site("drain_all_pages:cpu_online")]
    DrainAllPagesOnline,

    /// <summary>Lock-free variant, drain_all_pages(): the remote-free list head, read to see if a PCP has pages pending.</summary>
    [Site("drain_all_pages:remote_free_head")]
    DrainAllPagesRemoteHead,

    /// <summary>drain_pages_zone(): READ_ONCE(pcp-&gt;batch) for the chunk size.</summary>
    [Site("drain_pages_zone:pcp_batch")]
    DrainPagesZoneBatch,

    /// <summary>decay_pcp_high(): READ_ONCE of pcp-&gt;high_min and pcp-&gt;batch.</summary>
    [Site("decay_pcp_high:pcp_sizing")]
    DecaySizing,

    /// <summary>decay_pcp_high(): pcp-&gt;count read without pcp-&gt;lock to work out the pages to drain.</summary>
    [Site("decay_pcp_high:pcp_count")]
    DecayCount,

    /// <summary>Lock-free variant, decay_pcp_high(): the remote-free list head, read to see if remote frees wait.</summary>
    [Site("decay_pcp_high:remote_free_head")]
    DecayRemoteHead,

    /// <summary>zone_pcp_update() (pageset_update()): WRITE_ONCE of pcp-&gt;batch, high_min and high_max of one PCP.</summary>
    [Site("zone_pcp_update:pageset_update")]
    PcpUpdatePageset,

    /// <summary>Lock-free variant, rmqueue(): the owner's own remote-free list head, read before the watermark checks.</summary>
    [Site("rmqueue:remote_free_head")]
    AllocRemoteHead,

    /// <summary>Lock-free variant: READ_ONCE(pcp-&gt;batch) when the owner takes its remote frees before allocating.</summary>
    [Site("rmqueue:pcp_batch")]
    AllocRemoteBatch,

    /// <summary>Pageblock refill, after zone-&gt;lock: the block type of a recovered fragment, read for its PCP list.</summary>
    [Site("rmqueue_bulk:get_pfnblock_migratetype")]
    RefillMigratetype,

    /// <summary>The lock-free owner lists a taken remote free by its block's type and owner, read without zone-&gt;lock.</summary>
    [Site("remote_free_take:pageblock_owner")]
    RemoteTakeBlockOwner,

    /// <summary>The pageblock merge pass reads the struct page of a chunk's buddy, which may be on another CPU's PCP or in flight.</summary>
    [Site("pcp_merge:buddy_page")]
    MergeBuddyRead,

    /// <summary>try_to_claim_block(): set_bit(ZONE_BOOSTED_WATERMARK), under zone-&gt;lock but racing with rmqueue()'s clear_bit.</summary>
    [Site("try_to_claim_block:set_boosted_watermark")]
    ClaimBoostedSet,

    /// <summary>boost_watermark(): zone-&gt;watermark_boost raised under zone-&gt;lock, read without it by wmark_pages().</summary>
    [Site("boost_watermark:watermark_boost")]
    BoostWatermark,

    /// <summary>balance_pgdat(): kswapd resets zone-&gt;watermark_boost under zone-&gt;lock.</summary>
    [Site("balance_pgdat:watermark_boost")]
    KswapdBoostReset,

    /// <summary>reserve_highatomic_pageblock(): nr_reserved_highatomic grows under zone-&gt;lock, read without it by the next check.</summary>
    [Site("reserve_highatomic_pageblock:nr_reserved_add")]
    HighatomicReserveAdd,

    /// <summary>unreserve_highatomic_pageblock(): nr_reserved_highatomic shrinks under zone-&gt;lock.</summary>
    [Site("unreserve_highatomic_pageblock:nr_reserved_sub")]
    HighatomicUnreserveSub,

    // ---- guarded data inside critical sections, so a missing lock is visible ----------------------------------

    /// <summary>__add_to_free_list(): a chunk linked onto a zone free list (zone-&gt;lock).</summary>
    [Site("__add_to_free_list:free_area")]
    FreeListAdd,

    /// <summary>__del_page_from_free_list(): a chunk unlinked from a zone free list (zone-&gt;lock).</summary>
    [Site("__del_page_from_free_list:free_area")]
    FreeListDel,

    /// <summary>move_to_free_list(): a chunk moved to another type's free list (zone-&gt;lock).</summary>
    [Site("move_to_free_list:free_area")]
    FreeListMove,

    /// <summary>set_pageblock_migratetype(): the pageblock word's type bits (zone-&gt;lock; read racily on the free path).</summary>
    [Site("set_pageblock_migratetype:pageblock")]
    SetPageblockMigratetype,

    /// <summary>The RFC's owner bits of the pageblock word, claimed and released under zone-&gt;lock, read racily on the free path.</summary>
    [Site("set_pageblock_owner:pageblock")]
    SetPageblockOwner,

    /// <summary>A block linked onto its owner's owned_blocks list (zone-&gt;lock).</summary>
    [Site("owned_blocks:list_add")]
    OwnedBlocksAdd,

    /// <summary>A block unlinked from its owner's owned_blocks list (zone-&gt;lock).</summary>
    [Site("owned_blocks:list_del")]
    OwnedBlocksDel,

    /// <summary>__rmqueue_pcplist(): list_del() of the chunk handed out (pcp-&gt;lock).</summary>
    [Site("rmqueue_pcplist:list_del")]
    PcpAllocListDel,

    /// <summary>__rmqueue_pcplist(): pcp-&gt;count -= 1 &lt;&lt; order (pcp-&gt;lock).</summary>
    [Site("rmqueue_pcplist:pcp_count")]
    PcpAllocCount,

    /// <summary>rmqueue_bulk(): a refilled chunk added to a PCP list (pcp-&gt;lock).</summary>
    [Site("rmqueue_bulk:list_add")]
    RefillListAdd,

    /// <summary>rmqueue_pcplist() after rmqueue_bulk(): pcp-&gt;count += the pages refilled (pcp-&gt;lock).</summary>
    [Site("rmqueue_bulk:pcp_count")]
    RefillCount,

    /// <summary>free_frozen_page_commit(): list_add() of the freed chunk (pcp-&gt;lock).</summary>
    [Site("free_frozen_page_commit:list_add")]
    FreeCommitListAdd,

    /// <summary>free_frozen_page_commit(): pcp-&gt;count += 1 &lt;&lt; order (pcp-&gt;lock).</summary>
    [Site("free_frozen_page_commit:pcp_count")]
    FreeCommitCount,

    /// <summary>free_pcppages_bulk(): list_del() of a chunk going to the zone (pcp-&gt;lock).</summary>
    [Site("free_pcppages_bulk:list_del")]
    BulkListDel,

    /// <summary>free_pcppages_bulk(): pcp-&gt;count -= the chunk's pages (pcp-&gt;lock).</summary>
    [Site("free_pcppages_bulk:pcp_count")]
    BulkCount,

    /// <summary>Pageblock pcp_rmqueue_smallest(): the chunk taken off its PCP list (pcp-&gt;lock).</summary>
    [Site("pcp_rmqueue_smallest:list_del")]
    PcpSmallestListDel,

    /// <summary>Pageblock pcp_rmqueue_smallest(): a split remainder put back on a PCP list (pcp-&gt;lock).</summary>
    [Site("pcp_rmqueue_smallest:list_add")]
    PcpSmallestListAdd,

    /// <summary>Pageblock pcp_rmqueue_smallest(): pcp-&gt;count -= 1 &lt;&lt; order (pcp-&gt;lock).</summary>
    [Site("pcp_rmqueue_smallest:pcp_count")]
    PcpSmallestCount,

    /// <summary>The pageblock merge pass: two PCP buddies unlinked to merge (pcp-&gt;lock).</summary>
    [Site("pcp_merge:list_del")]
    MergeListDel,

    /// <summary>The pageblock merge pass: the merged chunk added to the next order's list (pcp-&gt;lock).</summary>
    [Site("pcp_merge:list_add")]
    MergeListAdd,

    /// <summary>The lock-free owner lists a taken remote free on its PCP (pcp-&gt;lock).</summary>
    [Site("remote_free_take:list_add")]
    RemoteTakeListAdd,

    /// <summary>The lock-free owner counts a taken remote free in pcp-&gt;count (pcp-&gt;lock).</summary>
    [Site("remote_free_take:pcp_count")]
    RemoteTakeCount,
}
