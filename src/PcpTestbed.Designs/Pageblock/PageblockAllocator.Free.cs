using PcpTestbed.Model;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs.Pageblock;

// The free path: pages of owned blocks go to the owner's PCP whichever CPU frees them, one at a time
// (free_unref_page()) or a folio batch at a time (free_unref_folios()); both end in the same commit.
public sealed partial class PageblockAllocator<TExec>
{
    /// <summary>A folio of a batch that went to the buddy before grouping (an ISOLATE block).</summary>
    private const int FreedEarly = int.MinValue;

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
        var (blockMt, owner) = _zone.GetPageblockTypeAndOwner(pfn, AccessSite.FreeBlockOwner);
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
                owner = _zone.GetPageblockOwner(pfn, AccessSite.FreeOwnerReread);
                continue;
            }

            ref var pcp = ref _pcps[owner];
            if (!_exec.TryLock(ref pcp.Lock, cpu, owner == cpu ? LockSite.PcpFree : LockSite.PcpRemoteFree))
            {
                FreeAfterFailedTrylock(cpu, owner, pfn, order, mt);
                return;
            }

            if (!StillOwns(owner, pfn, out var now))
            {
                _exec.Unlock(ref pcp.Lock, cpu);
                st.RemoteFreeReroutes++;
                owner = now;
                continue;
            }

            OnPcpLocked(owner, ref pcp);
            if (CommitToPcp(cpu, owner, ref pcp, pfn, order, mt, owned: true))
            {
                _exec.Unlock(ref pcp.Lock, cpu);
            }

            return;
        }

        // The owner changed under every attempt: the buddy takes the page.
        FreeOnePage(cpu, pfn, order, LockSite.TrylockFallbackFree);
    }

    /// <summary>
    /// free_unref_folios()'s second pass for the pageblock designs, this emulation's inference (the RFC posts no
    /// batched path): each page goes where a single free would send it, and the batch is grouped by that PCP as a
    /// kernel implementation would group it: the owner's for an owned block, the local one for the rest, groups in
    /// order of first appearance and folios in batch order within a group. Then mainline's loop over the groups:
    /// one trylock on a group's pcp->lock, the owner recheck of each page under it, a failed trylock frees that
    /// folio through free_one_page() and the next folio tries again, and each page goes through the same commit as a
    /// single free (with its chunked bulk free). A page whose owner changed meanwhile is routed again after the
    /// batch, as a single free, when no pcp->lock is held (never two at once). ISOLATE pages go to the buddy
    /// before grouping. The lock-free variant pushes remote groups page by page (one CAS each) and locks only its
    /// own PCP.
    /// </summary>
    protected override void FreeUnrefFoliosPcp(int cpu, ReadOnlySpan<int> pfns, ReadOnlySpan<int> orders)
    {
        ref var st = ref _stats[cpu];
        Span<int> owners = stackalloc int[PageAlloc.PagevecSize];
        Span<MigrateType> types = stackalloc MigrateType[PageAlloc.PagevecSize];
        for (var i = 0; i < pfns.Length; i++)
        {
            // One racy load of each block's type and owner, as the single free reads it.
            (types[i], owners[i]) = _zone.GetPageblockTypeAndOwner(pfns[i], AccessSite.FreeBatchBlockOwner);
            if (types[i] == MigrateType.Isolate)
            {
                FreeOnePage(cpu, pfns[i], orders[i], LockSite.DirectFree);
                owners[i] = FreedEarly;
            }
        }

        Span<int> sequence = stackalloc int[PageAlloc.PagevecSize];
        var grouped = GroupByPcp(cpu, owners[..pfns.Length], sequence);
        Span<int> rerouted = stackalloc int[PageAlloc.PagevecSize];
        var reroutes = 0;
        var locked = -1;
        foreach (var i in sequence[..grouped])
        {
            var (pfn, order, owner, mt) = (pfns[i], orders[i], owners[i], PcpType(types[i]));
            var target = owner < 0 ? cpu : owner;
            if (locked >= 0 && target != locked)
            {
                _exec.Unlock(ref _pcps[locked].Lock, cpu);
                locked = -1;
            }

            if (_lockFree && owner >= 0 && owner != cpu)
            {
                if (PushRemoteFree(owner, pfn, order))
                {
                    st.RemoteFrees++;
                }
                else
                {
                    // The owner died and closed its list.
                    rerouted[reroutes++] = i;
                }

                continue;
            }

            ref var pcp = ref _pcps[target];
            if (locked < 0)
            {
                if (!_exec.TryLock(ref pcp.Lock, cpu, target == cpu ? LockSite.PcpFreeBatch : LockSite.PcpRemoteFreeBatch))
                {
                    FreeAfterFailedTrylock(cpu, owner, pfn, order, mt);
                    continue;
                }

                locked = target;
                st.FreeBatchPcpLocks++;
                OnPcpLocked(target, ref pcp);
            }

            if (owner >= 0 && !StillOwns(owner, pfn, out _))
            {
                rerouted[reroutes++] = i;
                continue;
            }

            if (!CommitToPcp(cpu, target, ref pcp, pfn, order, mt, owned: owner >= 0))
            {
                locked = -1;
            }
        }

        if (locked >= 0)
        {
            _exec.Unlock(ref _pcps[locked].Lock, cpu);
        }

        foreach (var i in rerouted[..reroutes])
        {
            st.RemoteFreeReroutes++;
            FreeUnrefPage(cpu, pfns[i], orders[i]);
        }
    }

    /// <summary>
    /// Writes into <paramref name="sequence"/> the batch's folio indices grouped by the PCP each goes to (the owner, or
    /// <paramref name="cpu"/> for an unowned block), groups in order of first appearance, stable within a group; folios
    /// already freed are left out. Returns how many it wrote. At most PAGEVEC_SIZE folios, so quadratic is cheap.
    /// </summary>
    private static int GroupByPcp(int cpu, ReadOnlySpan<int> owners, Span<int> sequence)
    {
        var n = 0;
        for (var i = 0; i < owners.Length; i++)
        {
            if (owners[i] == FreedEarly || FirstOfGroup(cpu, owners, i) != i)
            {
                continue;
            }

            var target = Target(cpu, owners[i]);
            for (var k = i; k < owners.Length; k++)
            {
                if (owners[k] != FreedEarly && Target(cpu, owners[k]) == target)
                {
                    sequence[n++] = k;
                }
            }
        }

        return n;
    }

    private static int FirstOfGroup(int cpu, ReadOnlySpan<int> owners, int i)
    {
        var target = Target(cpu, owners[i]);
        for (var j = 0; j < i; j++)
        {
            if (owners[j] != FreedEarly && Target(cpu, owners[j]) == target)
            {
                return j;
            }
        }

        return i;
    }

    private static int Target(int cpu, int owner) => owner < 0 ? cpu : owner;

    /// <summary>An unowned page: mainline's free_unref_page() on the local PCP, the buddy if the trylock fails.</summary>
    private void FreeUnowned(int cpu, int pfn, int order, MigrateType mt)
    {
        ref var pcp = ref _pcps[cpu];
        if (!_exec.TryLock(ref pcp.Lock, cpu, LockSite.PcpFree))
        {
            FreeAfterFailedTrylock(cpu, -1, pfn, order, mt);
            return;
        }

        OnPcpLocked(cpu, ref pcp);
        if (CommitToPcp(cpu, cpu, ref pcp, pfn, order, mt, owned: false))
        {
            _exec.Unlock(ref pcp.Lock, cpu);
        }
    }

    /// <summary>
    /// Under <paramref name="owner"/>'s pcp->lock: the owner read without the lock still owns the block. It may have died
    /// or the block come back whole meanwhile: never put a PCP buddy on a PCP that does not own its block.
    /// </summary>
    private bool StillOwns(int owner, int pfn, out int now)
    {
        now = owner;
        if (Has(InjectedBug.MissingOwnerRecheck))
        {
            return true;
        }

        now = _zone.GetPageblockOwner(pfn, AccessSite.FreeOwnerRecheck);
        return now == owner;
    }

    /// <summary>
    /// free_frozen_page_commit() on <paramref name="target"/>'s PCP, locked by <paramref name="cpu"/>: an owned page
    /// goes on as a PCP buddy (marked routed when another CPU freed it), an unowned one as a plain cached page. Returns
    /// whether <paramref name="cpu"/> still holds the lock (the chunked bulk free may drop it for good).
    /// </summary>
    private bool CommitToPcp(int cpu, int target, ref PerCpuPages pcp, int pfn, int order, MigrateType mt, bool owned)
    {
        var index = ListIndex(mt, order);
        var routed = owned && target != cpu;
        PcpListAdd(target, ref pcp.Lists[index], index, pfn, order, owned ? PageState.PcpBuddy : PageState.Pcp, tail: false,
            AccessSite.FreeCommitListAdd, routed ? PcpPageFlags.RoutedFree : PcpPageFlags.None);
        if (routed)
        {
            _stats[cpu].RemoteFrees++;
            if (Has(InjectedBug.RemoteCountUpdateOutsideLock))
            {
                _exec.Unlock(ref pcp.Lock, cpu);
                PcpCountAdd(target, ref pcp, 1 << order, AccessSite.FreeCommitCount);
                return false;
            }
        }

        PcpCountAdd(target, ref pcp, 1 << order, AccessSite.FreeCommitCount);
        return FreeCommitTail(cpu, target, ref pcp, order, index);
    }

    /// <summary>
    /// The trylock on the PCP a page was bound for failed: free_one_page() under zone->lock, never another CPU's PCP.
    /// <paramref name="owner"/> is -1 for an unowned page.
    /// </summary>
    private void FreeAfterFailedTrylock(int cpu, int owner, int pfn, int order, MigrateType mt)
    {
        ref var st = ref _stats[cpu];
        if (owner < 0 || owner == cpu)
        {
            st.PcpFreeTrylockFailures++;
        }
        else
        {
            st.RemoteFreeFallbacks++;
            if (Has(InjectedBug.FreeToForeignPcpOnTrylockFailure) && FreeToLocalPcpAsOwned(cpu, pfn, order, mt))
            {
                return;
            }
        }

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
        PcpListAdd(cpu, ref pcp.Lists[index], index, pfn, order, PageState.PcpBuddy, tail: false, AccessSite.FreeCommitListAdd);
        PcpCountAdd(cpu, ref pcp, 1 << order, AccessSite.FreeCommitCount);
        _exec.Unlock(ref pcp.Lock, cpu);
        return true;
    }
}
