namespace PcpTestbed.Model.Sync;

/// <summary>
/// Call sites that take an emulated lock, named for the kernel function that takes it.
/// Lock statistics are kept per lock class and per site.
/// </summary>
public enum LockSite : byte
{
    /// <summary>rmqueue_pcplist(): pcp trylock on allocation.</summary>
    PcpAlloc,

    /// <summary>free_unref_page(): pcp trylock on a local free.</summary>
    PcpFree,

    /// <summary>Pageblock design: a free routed to the owner CPU's PCP.</summary>
    PcpRemoteFree,

    /// <summary>
    /// free_frozen_page_commit() taking pcp->lock back with trylock between two chunks of its bulk free (6.19,
    /// "mm/page_alloc: batch page freeing in free_frozen_page_commit").
    /// </summary>
    PcpFreeRelock,

    /// <summary>free_unref_folios(): pcp trylock once per run of a batch's folios bound for the same PCP.</summary>
    PcpFreeBatch,

    /// <summary>Pageblock design: free_unref_folios()'s trylock on an owner's PCP, once per owner group of the batch.</summary>
    PcpRemoteFreeBatch,

    /// <summary>drain_pages_zone(): spin_lock on a (possibly remote) PCP.</summary>
    PcpDrain,

    /// <summary>decay_pcp_high().</summary>
    PcpDecay,

    /// <summary>rmqueue_bulk(): the PCP refill under one zone->lock hold.</summary>
    Refill,

    /// <summary>free_pcppages_bulk() called from the free path (pcp->count reached high).</summary>
    FreeBulk,

    /// <summary>free_pcppages_bulk() called from drain_pages_zone() or decay_pcp_high().</summary>
    Drain,

    /// <summary>free_one_page() after a failed pcp trylock.</summary>
    TrylockFallbackFree,

    /// <summary>free_one_page() for orders the PCP does not cache and for ISOLATE pages.</summary>
    DirectFree,

    /// <summary>rmqueue_buddy(): an allocation served straight from the zone.</summary>
    BuddyAlloc,

    /// <summary>reserve_highatomic_pageblock() and unreserve_highatomic_pageblock().</summary>
    Highatomic,

    /// <summary>page_alloc_cpu_dead(): draining and releasing a dead CPU's pages.</summary>
    CpuDead,

    /// <summary>The reclaim model freeing or taking pages.</summary>
    Reclaim,

    /// <summary>page_alloc_cpu_online(): the onlining CPU's PCP reset to the boot state, as zone_pcp_update_cacheinfo() takes pcp->lock for its flags.</summary>
    CpuOnline,
}

public static class LockSites
{
    public const int Count = (int)LockSite.CpuOnline + 1;

    /// <summary>The kernel function a site stands for, as the lock tables print it.</summary>
    public static string KernelName(LockSite site) => site switch
    {
        LockSite.PcpAlloc => "rmqueue_pcplist",
        LockSite.PcpFree => "free_unref_page",
        LockSite.PcpRemoteFree => "free_unref_page:remote",
        LockSite.PcpFreeRelock => "free_frozen_page_commit:relock",
        LockSite.PcpFreeBatch => "free_unref_folios",
        LockSite.PcpRemoteFreeBatch => "free_unref_folios:remote",
        LockSite.PcpDrain => "drain_pages_zone",
        LockSite.PcpDecay => "decay_pcp_high",
        LockSite.Refill => "rmqueue_bulk",
        LockSite.FreeBulk => "free_pcppages_bulk",
        LockSite.Drain => "free_pcppages_bulk:drain",
        LockSite.TrylockFallbackFree => "free_one_page:trylock_failed",
        LockSite.DirectFree => "free_one_page",
        LockSite.BuddyAlloc => "rmqueue_buddy",
        LockSite.Highatomic => "highatomic_pageblock",
        LockSite.CpuDead => "page_alloc_cpu_dead",
        LockSite.Reclaim => "reclaim",
        LockSite.CpuOnline => "page_alloc_cpu_online",
        _ => throw new ArgumentOutOfRangeException(nameof(site)),
    };

    public static IEnumerable<LockSite> All => Enumerable.Range(0, Count).Select(i => (LockSite)i);

    /// <summary>The site whose <see cref="KernelName"/> is <paramref name="name"/>.</summary>
    public static bool TryParse(string name, out LockSite site)
    {
        foreach (var s in All)
        {
            if (KernelName(s) == name)
            {
                site = s;
                return true;
            }
        }

        site = default;
        return false;
    }
}
