namespace PcpTestbed.Model.Sync;

/// <summary>
/// Where the allocator touches state shared between CPUs outside the lock that guards it (or with no lock at all):
/// every <see cref="IExecution.SharedRead"/>, <see cref="IExecution.SharedWrite"/>, <see cref="IExecution.CompareExchange"/>
/// and <see cref="IExecution.Exchange"/> names one. Each member carries its stable name (<see cref="SiteAttribute"/>);
/// <see cref="AccessSites"/> is the table, so coverage can list the sites no schedule reached. Add a member for a
/// new point; never reuse one for another access.
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

    /// <summary>Injected bug drain-without-pcp-lock: drain_pages_zone() reads pcp->count without the lock.</summary>
    [Site("drain_pages_zone:pcp_count [drain-without-pcp-lock]")]
    BugDrainUnlocked,

    /// <summary>Injected bug ignore-pcp-trylock: the list head read without pcp->lock.</summary>
    [Site("rmqueue_pcplist:list_first [ignore-pcp-trylock]")]
    BugUnlockedListRead,

    /// <summary>Injected bug ignore-pcp-trylock: the page unlinked without pcp->lock.</summary>
    [Site("rmqueue_pcplist:list_del [ignore-pcp-trylock]")]
    BugUnlockedListTake,

    /// <summary>Injected bug ignore-pcp-trylock: pcp->count written without pcp->lock.</summary>
    [Site("rmqueue_pcplist:pcp_count [ignore-pcp-trylock]")]
    BugUnlockedCountWrite,

    /// <summary>Injected bug remote-count-outside-lock: the owner's pcp->count written after the unlock.</summary>
    [Site("free_unref_page:pcp_count [remote-count-outside-lock]")]
    BugRemoteCountWrite,

    /// <summary>Injected bug remote-push-state-before-tag: the PCP-buddy state written before the pending tag.</summary>
    [Site("remote_free_push:state_before_tag [remote-push-state-before-tag]")]
    BugPushStateBeforeTag,

    /// <summary>Injected bug remote-list-take-not-atomic: the list head stored 0 after a separate read.</summary>
    [Site("remote_free_take:store_zero [remote-list-take-not-atomic]")]
    BugRemoteTakeStore,
}
