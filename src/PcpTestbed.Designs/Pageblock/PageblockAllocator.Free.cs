using PcpTestbed.Model;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs.Pageblock;

// The free path: pages of owned blocks go to the owner's PCP whichever CPU frees them.
public sealed partial class PageblockAllocator<TExec>
{
    /// <summary>
    /// free_unref_page(): ISOLATE pages go to the buddy; a page of an owned block goes to the owner's PCP
    /// as a PCP buddy (trylock on the owner's pcp->lock, re-reading the owner once locked; a failed trylock
    /// frees to the buddy); other pages follow mainline on the local PCP. The lock-free variant pushes
    /// remote frees onto the owner's list instead of taking its lock.
    /// </summary>
    protected override void FreeUnrefPage(int cpu, int pfn, int order)
    {
        ref var st = ref _stats[cpu];

        // The block's type and owner share one word: one racy load, as the RFC's pageblock_data intends.
        _exec.SharedRead(SharedLocation.PageblockOf(pfn), AccessSite.FreeBlockOwner);
        var (blockMt, owner) = _zone.GetPageblockTypeAndOwner(pfn);
        if (blockMt == MigrateType.Isolate)
        {
            FreeOnePage(cpu, pfn, order, LockSite.DirectFree);
            return;
        }

        var mt = PcpType(blockMt);
        for (var attempt = 0; attempt < MaxRoutingAttempts; attempt++)
        {
            if (owner < 0)
            {
                FreeUnowned(cpu, pfn, order, mt);
                return;
            }

            if (_lockFree && owner != cpu)
            {
                if (PushRemoteFree(owner, pfn, order))
                {
                    st.RemoteFrees++;
                    return;
                }

                // The owner died and closed its list: its blocks were released, read the owner again.
                st.RemoteFreeReroutes++;
                _exec.SharedRead(SharedLocation.PageblockOf(pfn), AccessSite.FreeOwnerReread);
                owner = _zone.GetPageblockOwner(pfn);
                continue;
            }

            ref var pcp = ref _pcps[owner];
            if (!_exec.TryLock(ref pcp.Lock, cpu, owner == cpu ? LockSite.PcpFree : LockSite.PcpRemoteFree))
            {
                if (owner == cpu)
                {
                    st.PcpFreeTrylockFailures++;
                }
                else
                {
                    st.RemoteFreeFallbacks++;
                }

                if (Has(InjectedBug.FreeToForeignPcpOnTrylockFailure) && owner != cpu && FreeToLocalPcpAsOwned(cpu, pfn, order, mt))
                {
                    return;
                }

                FreeOnePage(cpu, pfn, order, LockSite.TrylockFallbackFree);
                return;
            }

            if (!Has(InjectedBug.MissingOwnerRecheck))
            {
                // The owner may have died or the block come back whole meanwhile: never put a PCP buddy on a
                // PCP that does not own its block.
                _exec.SharedRead(SharedLocation.PageblockOf(pfn), AccessSite.FreeOwnerRecheck);
                var now = _zone.GetPageblockOwner(pfn);
                if (now != owner)
                {
                    _exec.Unlock(ref pcp.Lock, cpu);
                    st.RemoteFreeReroutes++;
                    owner = now;
                    continue;
                }
            }

            OnPcpLocked(owner, ref pcp);
            var index = ListIndex(mt, order);
            PcpListAdd(owner, ref pcp.Lists[index], index, pfn, order, PageState.PcpBuddy, tail: false,
                owner == cpu ? PcpPageFlags.None : PcpPageFlags.RoutedFree);
            if (owner != cpu)
            {
                st.RemoteFrees++;
                if (Has(InjectedBug.RemoteCountUpdateOutsideLock))
                {
                    _exec.Unlock(ref pcp.Lock, cpu);
                    var count = pcp.Count;
                    _exec.SharedWrite(SharedLocation.PcpCount(owner), AccessSite.BugRemoteCountWrite);
                    pcp.Count = count + (1 << order);
                    return;
                }
            }

            pcp.Count += 1 << order;
            FreeCommitTail(cpu, owner, ref pcp, order, index);
            _exec.Unlock(ref pcp.Lock, cpu);
            return;
        }

        // The owner changed under every attempt: the buddy takes the page.
        FreeOnePage(cpu, pfn, order, LockSite.TrylockFallbackFree);
    }

    /// <summary>An unowned page: mainline's free_unref_page() on the local PCP, the buddy if the trylock fails.</summary>
    private void FreeUnowned(int cpu, int pfn, int order, MigrateType mt)
    {
        ref var pcp = ref _pcps[cpu];
        if (_exec.TryLock(ref pcp.Lock, cpu, LockSite.PcpFree))
        {
            OnPcpLocked(cpu, ref pcp);
            var index = ListIndex(mt, order);
            PcpListAdd(cpu, ref pcp.Lists[index], index, pfn, order, PageState.Pcp, tail: false);
            pcp.Count += 1 << order;
            FreeCommitTail(cpu, cpu, ref pcp, order, index);
            _exec.Unlock(ref pcp.Lock, cpu);
            return;
        }

        _stats[cpu].PcpFreeTrylockFailures++;
        FreeOnePage(cpu, pfn, order, LockSite.TrylockFallbackFree);
    }

    // The injected bug's path: a routed free whose trylock failed keeps the page on the freeing CPU's PCP.
    private bool FreeToLocalPcpAsOwned(int cpu, int pfn, int order, MigrateType mt)
    {
        ref var pcp = ref _pcps[cpu];
        if (!_exec.TryLock(ref pcp.Lock, cpu, LockSite.PcpFree))
        {
            return false;
        }

        OnPcpLocked(cpu, ref pcp);
        var index = ListIndex(mt, order);
        PcpListAdd(cpu, ref pcp.Lists[index], index, pfn, order, PageState.PcpBuddy, tail: false);
        pcp.Count += 1 << order;
        _exec.Unlock(ref pcp.Lock, cpu);
        return true;
    }
}
