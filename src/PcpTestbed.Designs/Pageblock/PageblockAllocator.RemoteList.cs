using PcpTestbed.Model;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs.Pageblock;

// The lock-free variant's remote-free lists, in the manner of mimalloc's thread-free lists and
// snmalloc's remote queues: any CPU pushes with one CAS; whoever holds the owner's pcp->lock takes
// the whole list with one exchange (so there is no ABA: nothing is ever popped singly).
public sealed partial class PageblockAllocator<TExec>
{
    /// <summary>A bound on CAS retries of one push; only a livelock could reach it.</summary>
    private const int MaxPushAttempts = 1 << 20;

    /// <summary>Pushes a freed chunk onto <paramref name="owner"/>'s remote-free list. False if the list is closed (the owner died).</summary>
    private bool PushRemoteFree(int owner, int pfn, int order)
    {
        ref var page = ref _pages[pfn];

        // The owner's merge pass reads this page without any lock we hold (it is the buddy of a page on the owner's
        // PCP): it must never see PcpBuddy of the owner with a tag other than RemotePendingTag, or it would unlink a
        // page that is on no list yet and merge it, and the page would later be handed out twice. So the fields go
        // first and the state is published last, with release semantics (the reader acquires the state).
        page.Order = (byte)order;
        page.Cpu = owner;
        if (!Has(InjectedBug.RemotePushStateBeforeTag))
        {
            page.Tag = RemotePendingTag;
        }

        page.Flags = (byte)PcpPageFlags.RoutedFree;
        _exec.WriteOnce(ref Page.StateByte(ref page), (byte)PageState.PcpBuddy, SharedLocation.Page(pfn), AccessSite.RemotePushPublish);

        ref var head = ref _pcps[owner].RemoteFreeHead;
        for (var attempt = 0; attempt < MaxPushAttempts; attempt++)
        {
            var old = _exec.ReadOnce(ref head, SharedLocation.RemoteFreeHead(owner), AccessSite.RemotePushReadHead);
            if (Has(InjectedBug.RemotePushStateBeforeTag))
            {
                page.Tag = RemotePendingTag; // the injected bug: the tag follows the published state
            }

            if (old == PerCpuPages.RemoteListClosed)
            {
                page.State = PageState.InFlight;
                return false;
            }

            PageList.SetStackNext(_pages, pfn, old);

            // Publishes the page (its fields were written above) as the new head.
            if (_exec.CompareExchange(ref head, pfn + 1, old, SharedLocation.RemoteFreeHead(owner), AccessSite.RemotePushCmpxchg) == old)
            {
                return true;
            }
        }

        throw new PcpHangException($"remote free of pfn index {pfn} to CPU {owner}: {MaxPushAttempts} CAS attempts failed");
    }

    /// <summary>
    /// The owner takes its remote frees when it allocates, before the watermark checks: pages waiting on
    /// the list are on no free list, so a zone near its watermarks would otherwise fail the owner's
    /// allocations before they ever reached the PCP that holds them. What exceeds pcp->high goes to the
    /// buddy at once, as a run of local frees would: through free_frozen_page_commit()'s chunked bulk free.
    /// </summary>
    protected override void BeforeAllocate(int cpu)
    {
        ref var pcp = ref _pcps[cpu];
        if (!_lockFree || _exec.ReadOnce(ref pcp.RemoteFreeHead, SharedLocation.RemoteFreeHead(cpu), AccessSite.AllocRemoteHead) <= 0 ||
            !_exec.TryLock(ref pcp.Lock, cpu, LockSite.PcpAlloc))
        {
            return;
        }

        OnPcpLocked(cpu, ref pcp);
        var batch = ReadPcpSizing(cpu, AccessSite.AllocRemoteBatch).Batch;
        var high = NrPcpHigh(cpu, ref pcp, batch, freeHigh: false);
        if (pcp.Count >= high && !FreeCommitBulk(cpu, cpu, ref pcp, batch, NrPcpFree(ref pcp, batch, high, freeHigh: false), 0))
        {
            return; // the chunked bulk free could not take the lock back
        }

        _exec.Unlock(ref pcp.Lock, cpu);
    }

    /// <summary>Whoever holds <paramref name="target"/>'s pcp->lock takes its remote frees onto its lists.</summary>
    protected override void OnPcpLocked(int target, ref PerCpuPages pcp)
    {
        if (!_lockFree)
        {
            return;
        }

        var seen = _exec.ReadOnce(ref pcp.RemoteFreeHead, SharedLocation.RemoteFreeHead(target), AccessSite.RemoteTakeReadHead);
        if (seen <= 0)
        {
            return; // empty, or closed
        }

        // Reserves every pushed page at once; pushes after this start a new list. (The injected bug stores 0 over the
        // head it read above instead: a push in between is lost.)
        var link = Has(InjectedBug.RemoteListTakeNotAtomic)
            ? StoreZero(ref pcp.RemoteFreeHead, seen, SharedLocation.RemoteFreeHead(target))
            : _exec.Exchange(ref pcp.RemoteFreeHead, 0, SharedLocation.RemoteFreeHead(target), AccessSite.RemoteTakeExchange);
        AbsorbRemoteFrees(target, ref pcp, link);
    }

    /// <summary>
    /// Lists the pushed pages on <paramref name="target"/>'s PCP. A pusher read the owner without a lock: if the
    /// target died and came back online between that read and the push, the block was released meanwhile and the
    /// page is no longer the target's, so it goes on the lists as a plain cached page, as an unowned free would.
    /// The owner read here is stable: releasing a block needs this pcp->lock, and claiming one needs it whole.
    /// </summary>
    private void AbsorbRemoteFrees(int target, ref PerCpuPages pcp, int link)
    {
        for (var n = 0; link > 0 && n < _zone.PresentPages; n++)
        {
            var pfn = link - 1;
            link = PageList.StackNext(_pages, pfn);
            int order = _pages[pfn].Order;
            var (blockMt, owner) = _zone.GetPageblockTypeAndOwner(pfn, AccessSite.RemoteTakeBlockOwner);
            var index = ListIndex(PcpType(blockMt), order);
            var owned = owner == target || Has(InjectedBug.AbsorbWithoutOwnerCheck);
            PcpListAdd(target, ref pcp.Lists[index], index, pfn, order, owned ? PageState.PcpBuddy : PageState.Pcp, tail: false,
                AccessSite.RemoteTakeListAdd, owned ? PcpPageFlags.RoutedFree : PcpPageFlags.None);
            PcpCountAdd(target, ref pcp, 1 << order, AccessSite.RemoteTakeCount);
        }
    }

    // The injected bug remote-list-take-not-atomic: the head read before, then a plain store of 0 at the exchange's point.
    private int StoreZero(ref int head, int seen, SharedLocation location)
    {
        _exec.WriteOnce(ref head, 0, location, AccessSite.RemoteTakeExchange);
        return seen;
    }

    protected override bool HasPendingPcpWork(int cpu) =>
        _lockFree && _exec.ReadOnce(ref _pcps[cpu].RemoteFreeHead, SharedLocation.RemoteFreeHead(cpu), AccessSite.DecayRemoteHead) > 0;

    protected override bool PcpHasPages(int target) =>
        base.PcpHasPages(target) ||
        (_lockFree && _exec.ReadOnce(ref _pcps[target].RemoteFreeHead, SharedLocation.RemoteFreeHead(target), AccessSite.DrainAllPagesRemoteHead) > 0);
}
