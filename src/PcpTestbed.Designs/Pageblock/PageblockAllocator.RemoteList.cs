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
        if (Has(InjectedBug.RemotePushStateBeforeTag))
        {
            page.State = PageState.PcpBuddy;
            _exec.SharedWrite(SharedLocation.Page(pfn), AccessSite.BugPushStateBeforeTag);
        }

        page.Tag = RemotePendingTag;
        page.Flags = (byte)PcpPageFlags.RoutedFree;
        _exec.SharedWrite(SharedLocation.Page(pfn), AccessSite.RemotePushPublish);
        page.PublishState(PageState.PcpBuddy);

        ref var head = ref _pcps[owner].RemoteFreeHead;
        for (var attempt = 0; attempt < MaxPushAttempts; attempt++)
        {
            _exec.SharedRead(SharedLocation.RemoteFreeHead(owner), AccessSite.RemotePushReadHead);
            var old = Volatile.Read(ref head);
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
        if (!_lockFree || Volatile.Read(ref pcp.RemoteFreeHead) <= 0 || !_exec.TryLock(ref pcp.Lock, cpu, LockSite.PcpAlloc))
        {
            return;
        }

        OnPcpLocked(cpu, ref pcp);
        var batch = Volatile.Read(ref pcp.Batch);
        var high = NrPcpHigh(ref pcp, batch, freeHigh: false);
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

        _exec.SharedRead(SharedLocation.RemoteFreeHead(target), AccessSite.RemoteTakeReadHead);
        if (Volatile.Read(ref pcp.RemoteFreeHead) <= 0)
        {
            return; // empty, or closed
        }

        int link;
        if (Has(InjectedBug.RemoteListTakeNotAtomic))
        {
            link = Volatile.Read(ref pcp.RemoteFreeHead);
            _exec.SharedWrite(SharedLocation.RemoteFreeHead(target), AccessSite.BugRemoteTakeStore);
            Volatile.Write(ref pcp.RemoteFreeHead, 0);
        }
        else
        {
            // Reserves every pushed page at once; pushes after this start a new list.
            link = _exec.Exchange(ref pcp.RemoteFreeHead, 0, SharedLocation.RemoteFreeHead(target), AccessSite.RemoteTakeExchange);
        }

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
            var (blockMt, owner) = _zone.GetPageblockTypeAndOwner(pfn);
            var index = ListIndex(PcpType(blockMt), order);
            var owned = owner == target || Has(InjectedBug.AbsorbWithoutOwnerCheck);
            PcpListAdd(target, ref pcp.Lists[index], index, pfn, order, owned ? PageState.PcpBuddy : PageState.Pcp, tail: false,
                owned ? PcpPageFlags.RoutedFree : PcpPageFlags.None);
            pcp.Count += 1 << order;
        }
    }

    protected override bool HasPendingPcpWork(int cpu) => _lockFree && Volatile.Read(ref _pcps[cpu].RemoteFreeHead) > 0;

    protected override bool PcpHasPages(int target) =>
        base.PcpHasPages(target) || (_lockFree && Volatile.Read(ref _pcps[target].RemoteFreeHead) > 0);
}
