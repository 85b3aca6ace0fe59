using PcpTestbed.Model;

namespace PcpTestbed.Designs;

/// <summary>
/// Mistakes a kernel developer could plausibly make in this code, each switchable by name, so the
/// Coyote suite can prove it finds them. None is on unless a test or the explore verb asks for it.
/// </summary>
[Flags]
public enum InjectedBug : long
{
    None = 0,

    /// <summary>A failed pcp trylock on free puts the page on the next CPU's PCP instead of the zone buddy.</summary>
    FreeToForeignPcpOnTrylockFailure = 1L << 0,

    /// <summary>rmqueue_pcplist() ignores a failed trylock and takes from the list without the lock.</summary>
    IgnorePcpTrylockFailure = 1L << 1,

    /// <summary>free_pcppages_bulk() without count = min(pcp->count, count): spins over empty lists forever.</summary>
    UnclampedBulkFreeCount = 1L << 2,

    /// <summary>drain_pages_zone() reads pcp->count and drains a remote PCP without taking its pcp->lock.</summary>
    DrainWithoutPcpLock = 1L << 3,

    /// <summary>Pageblock: a routed free does not re-read the block's owner after taking the owner's pcp->lock.</summary>
    MissingOwnerRecheck = 1L << 4,

    /// <summary>Pageblock: CPU death clears the owner tags before the blocks leave owned_blocks, and never unlinks them.</summary>
    OwnerTagClearedBeforeUnlink = 1L << 5,

    /// <summary>Pageblock: a routed free updates the owner's pcp->count after dropping its lock (a non-atomic update).</summary>
    RemoteCountUpdateOutsideLock = 1L << 6,

    /// <summary>Pageblock lock-free: the owner takes its remote-free list with a read and a separate store (a lost push).</summary>
    RemoteListTakeNotAtomic = 1L << 7,

    /// <summary>Pageblock lock-free: CPU death does not close the remote-free list, so later pushes strand on a dead CPU.</summary>
    RemoteListNotClosedOnOffline = 1L << 8,

    /// <summary>Pageblock: refill phases 0 and 2 ignore __rmqueue()'s CMA decision (the RFC as posted), on the cmafix design.</summary>
    CmaPhasesIgnoreRmqueueDecision = 1L << 9,

    /// <summary>reserve_highatomic_pageblock() does not recheck the cap under zone->lock.</summary>
    HighatomicCapNotRechecked = 1L << 10,

    /// <summary>Pageblock: CPU death drains the PCP, drops its pcp->lock, and only then releases the blocks it owned.</summary>
    ReleaseAfterDrain = 1L << 11,

    /// <summary>
    /// Pageblock lock-free: a remote free marks the page a PCP buddy before it tags it as pending, so the owner's
    /// merge pass can take a page that is on no list yet (found by the stress runner, then made a scheduling point).
    /// </summary>
    RemotePushStateBeforeTag = 1L << 12,

    /// <summary>
    /// Pageblock lock-free: the owner lists every pushed page as its own PCP buddy without checking that it still
    /// owns the block, so a push that raced with its death and return lands a PCP buddy of a released block.
    /// </summary>
    AbsorbWithoutOwnerCheck = 1L << 13,
}

/// <summary>Names and descriptions of the injectable bugs.</summary>
public static class InjectedBugs
{
    private static readonly NameTable<InjectedBug> Table = new(
        (InjectedBug.FreeToForeignPcpOnTrylockFailure, "free-to-foreign-pcp", "a failed pcp trylock on free puts the page on another CPU's PCP instead of the buddy"),
        (InjectedBug.IgnorePcpTrylockFailure, "ignore-pcp-trylock", "rmqueue_pcplist takes from the list although its trylock failed"),
        (InjectedBug.UnclampedBulkFreeCount, "unclamped-bulk-free", "free_pcppages_bulk does not clamp count to pcp->count and spins on empty lists"),
        (InjectedBug.DrainWithoutPcpLock, "drain-without-pcp-lock", "drain_pages_zone drains a remote PCP without taking its pcp->lock"),
        (InjectedBug.MissingOwnerRecheck, "missing-owner-recheck", "a routed free does not re-read the block owner after locking the owner's PCP"),
        (InjectedBug.OwnerTagClearedBeforeUnlink, "owner-tag-cleared-before-unlink", "CPU death clears owner tags but leaves the blocks on owned_blocks"),
        (InjectedBug.RemoteCountUpdateOutsideLock, "remote-count-outside-lock", "a routed free updates the owner's pcp->count after dropping its pcp->lock"),
        (InjectedBug.RemoteListTakeNotAtomic, "remote-list-take-not-atomic", "the owner takes its lock-free remote list with a read and a separate store"),
        (InjectedBug.RemoteListNotClosedOnOffline, "remote-list-not-closed", "CPU death leaves the lock-free remote list open; later pushes strand"),
        (InjectedBug.CmaPhasesIgnoreRmqueueDecision, "cma-phases-as-posted", "refill phases 0 and 2 ignore __rmqueue's CMA-first decision"),
        (InjectedBug.HighatomicCapNotRechecked, "highatomic-cap-not-rechecked", "reserve_highatomic_pageblock skips the cap recheck under zone->lock"),
        (InjectedBug.ReleaseAfterDrain, "release-after-drain", "CPU death drains the PCP and releases its blocks afterwards, outside the pcp->lock"),
        (InjectedBug.RemotePushStateBeforeTag, "remote-push-state-before-tag", "a lock-free remote free publishes the PCP-buddy state before the pending tag; the owner's merge takes the page"),
        (InjectedBug.AbsorbWithoutOwnerCheck, "absorb-without-owner-check", "the owner takes pushed pages as its own without checking it still owns their blocks (after offline and online)"));

    public static IEnumerable<InjectedBug> All => Table.All;

    public static string Name(InjectedBug bug) => Table.Name(bug);

    public static string Description(InjectedBug bug) => Table.Description(bug);

    public static string Names => Table.Names;

    public static bool TryParse(string name, out InjectedBug bug) => Table.TryParse(name, out bug);

    /// <summary>The names of the bugs switched on, comma-separated, or "none".</summary>
    public static string Format(InjectedBug bugs) =>
        bugs == InjectedBug.None ? "none" : string.Join(",", Table.All.Where(b => (bugs & b) != 0).Select(Table.Name));
}
