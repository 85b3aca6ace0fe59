using PcpTestbed.Designs;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote;

/// <summary>
/// What the lock-elision sweep does not count as an escape, each with its reason: lock sites a design never takes
/// (its code has no path to them), and acquisitions whose lock is redundant in this emulation (nothing another CPU does
/// while it is held touches what it guards, so skipping it can change no outcome). The sweep checks both: a site
/// listed as never taken must be unreached, and a redundant lock must still escape, or the list is out of date.
/// </summary>
public static class LockElisionExemptions
{
    private static readonly (DesignKind Design, LockSite Site, string Reason)[] NeverTakenTable =
    [
        (DesignKind.Mainline, LockSite.PcpRemoteFree,
            "mainline routes no frees: free_unref_page() takes only the freeing CPU's own pcp->lock (free_unref_page)"),
        (DesignKind.Mainline, LockSite.PcpRemoteFreeBatch,
            "mainline routes no frees: free_unref_folios() takes only the freeing CPU's own pcp->lock (free_unref_folios)"),
        (DesignKind.Mainline, LockSite.CpuDead,
            "mainline's page_alloc_cpu_dead() is drain_pages(): its locks are drain_pages_zone's and free_pcppages_bulk:drain's"),
        (DesignKind.PageblockLockFree, LockSite.PcpRemoteFree,
            "the lock-free variant pushes a remote free onto the owner's list with a CAS, never taking the owner's pcp->lock"),
        (DesignKind.PageblockLockFree, LockSite.PcpRemoteFreeBatch,
            "the lock-free variant pushes a batch's remote folios one CAS each, never taking the owner's pcp->lock"),
    ];

    private static readonly (LockClass Class, LockSite Site, string Reason)[] RedundantTable =
    [
        (LockClass.Pcp, LockSite.CpuOnline,
            "page_alloc_cpu_online() resets the returning CPU's high, alloc_factor, free_count and flags under its pcp->lock, as " +
            "zone_pcp_update_cacheinfo() takes it for flags; but while a CPU is offline nobody else writes those fields: they " +
            "change only in its own allocations and frees, in frees routed to it after the owner recheck (which fails: its blocks " +
            "were released at its death) and in its own vmstat work's decay; the drains that may still take its lock touch only " +
            "its lists and count. The kernel needs the lock because it updates the flags of CPUs that stay online when a sibling " +
            "sharing their cache comes up; the emulation updates only the returning CPU's"),
    ];

    /// <summary>Why <paramref name="design"/> never takes a lock at <paramref name="site"/>, or null if it may.</summary>
    public static string? NeverTaken(DesignKind design, LockSite site) =>
        NeverTakenTable.FirstOrDefault(e => e.Design == design && e.Site == site).Reason;

    /// <summary>Why eliding <paramref name="elision"/> can change nothing in this emulation, or null if it can.</summary>
    public static string? Redundant(LockElision elision) =>
        RedundantTable.FirstOrDefault(e => e.Class == elision.Class && e.Site == elision.Site).Reason;

    /// <summary>Every site a design never takes, with the reason, for reports.</summary>
    public static IEnumerable<(DesignKind Design, LockSite Site, string Reason)> NeverTakenSites => NeverTakenTable;

    /// <summary>Every redundant acquisition, with the reason, for reports.</summary>
    public static IEnumerable<(LockClass Class, LockSite Site, string Reason)> RedundantLocks => RedundantTable;
}
