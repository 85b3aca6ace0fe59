using System.Numerics;
using PcpTestbed.Model;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs.Pageblock;

// rmqueue_bulk() of the RFC: four phases under one zone->lock hold, the splitting done after it.
public sealed partial class PageblockAllocator<TExec>
{
    private const int PhaseRecover = 0;
    private const int PhaseClaimBlock = 1;
    private const int PhaseChunk = 2;
    private const int PhaseFallback = 3;

    /// <summary>
    /// Refill <paramref name="cpu"/>'s PCP with <paramref name="batch"/> chunks' worth of pages of
    /// <paramref name="order"/>: P0 recover owned fragments, P1 claim whole blocks, P2 take sub-pageblock
    /// chunks without stealing, P3 __rmqueue() with fallback. Each phase runs only while the earlier ones
    /// fell short; all take their pages under one zone->lock hold, and the PCP is filled after it.
    /// <para>
    /// As posted, P0 and P1 are not bounded by pcp->high: a refill may bring a whole block. With
    /// <see cref="AllocatorConfig.PageblockRefillWithinHigh"/> they run only within the PCP's room
    /// (pcp->high - pcp->count, or the batch if that is more), so where high is below a pageblock (small
    /// zones) or shrinks (below the high watermark, under reclaim) refills fall through to P2/P3.
    /// </para>
    /// </summary>
    private void Refill(int cpu, ref PerCpuPages pcp, int order, MigrateType mt, AllocFlags flags, int batch)
    {
        ref var st = ref _stats[cpu];
        var buffer = _refill[cpu];
        buffer.Clear();
        var target = (long)batch << order;
        var room = _config.PageblockRefillWithinHigh ? Math.Max(target, (long)pcp.High - pcp.Count) : long.MaxValue;
        long got = 0;

        _exec.Lock(ref _zone.Lock, cpu, LockSite.Refill);
        got += RecoverOwnedFragments(cpu, mt, flags, target, room, buffer);
        if (got < target)
        {
            got += ClaimBlocks(cpu, mt, flags, target - got, room - got, buffer);
        }

        if (got < target)
        {
            got += TakeChunks(order, mt, flags, target - got, buffer);
        }

        if (got < target)
        {
            got += FallbackRmqueue(order, mt, flags, target - got, buffer);
        }

        _exec.Unlock(ref _zone.Lock, cpu);

        // Outside zone->lock: the chunks go on the PCP. P0/P1 chunks are owned PCP buddies; P2/P3 only cached.
        Span<bool> phaseUsed = stackalloc bool[4];
        for (var i = 0; i < buffer.Count; i++)
        {
            var (pfn, chunkOrder, phase) = buffer[i];
            var owned = phase is PhaseRecover or PhaseClaimBlock;
            var listMt = phase == PhaseRecover ? PcpType(_zone.GetPageblockMigratetype(pfn, AccessSite.RefillMigratetype)) : mt;
            var index = ListIndex(listMt, chunkOrder);
            PcpListAdd(cpu, ref pcp.Lists[index], index, pfn, chunkOrder, owned ? PageState.PcpBuddy : PageState.Pcp, tail: true, AccessSite.RefillListAdd);
            phaseUsed[phase] = true;
            st.PagesByPhase[phase] += 1L << chunkOrder;
        }

        // Empty between operations (a refill that threw may leave chunks: the clear at the start): an allocator snapshot holds none.
        buffer.Clear();
        for (var phase = 0; phase < 4; phase++)
        {
            if (phaseUsed[phase])
            {
                st.RefillsByPhase[phase]++;
            }
        }

        PcpCountAdd(cpu, ref pcp, (int)got, AccessSite.RefillCount);
        st.Refills++;
        st.RefillPages += got;
    }

    /// <summary>
    /// Phase 0: recover fragments of owned blocks that drains left in the zone buddy, so they merge again
    /// instead of fresh blocks being claimed. Only blocks of the requested type, as posted; with the review
    /// fix, movable requests that may use CMA recover CMA blocks too, first when __rmqueue() would prefer CMA.
    /// A recovered block leaves owned_blocks (the zone unlinks it when its last zone-free page goes).
    /// </summary>
    private long RecoverOwnedFragments(int cpu, MigrateType mt, AllocFlags flags, long need, long room, RefillBuffer buffer)
    {
        var lists = _zone.Ownership!;
        var cmaEligible = _cmaFollowsRmqueue && mt == MigrateType.Movable && (flags & AllocFlags.Cma) != 0;

        // __rmqueue()'s CMA decision, read under zone->lock like the counters' writers: no point needed.
        var cmaFirst = cmaEligible && Zone.CmaOverHalf(_zone.NrFreeCmaPages, _zone.NrFreePages);
        var check = CmaPhaseStart(mt, flags);
        long got = 0;
        for (var pass = 0; pass < 2 && got < need; pass++)
        {
            for (var block = lists.First(cpu); block >= 0 && got < need;)
            {
                var next = OwnedBlockLists.Next(_zone.Blocks, block);
                var blockMt = _zone.Blocks[block].MigrateType;
                var match = pass == 0
                    ? cmaFirst && blockMt == MigrateType.Cma
                    : blockMt == mt || (cmaEligible && !cmaFirst && blockMt == MigrateType.Cma);
                if (match && got + _zone.Blocks[block].ZoneFree <= room)
                {
                    CheckRecoverCmaFirst(cpu, block, check, room - got);
                    got += RecoverBlock(block, buffer);
                }

                block = next;
            }
        }

        return got;
    }

    /// <summary>Takes every zone-free chunk of an owned block off the free lists.</summary>
    private long RecoverBlock(int block, RefillBuffer buffer)
    {
        var start = block << PageAlloc.PageblockOrder;
        var end = start + PageAlloc.PageblockNrPages;
        long got = 0;
        var zoneFree = _zone.Blocks[block].ZoneFree;
        for (var p = start; p < end && got < zoneFree;)
        {
            ref var page = ref _pages[p];
            if (page.State == PageState.Tail)
            {
                p++;
                continue;
            }

            int o = page.Order;
            if (page.State == PageState.Buddy)
            {
                _zone.DelFromFreeList(p, o, (MigrateType)page.Tag);
                buffer.Add(p, o, PhaseRecover);
                got += 1L << o;
            }

            p += 1 << o;
        }

        return got;
    }

    /// <summary>Phase 1: whole pageblocks through __rmqueue() at pageblock order, as long as they fit the room; the CPU becomes their owner.</summary>
    private long ClaimBlocks(int cpu, MigrateType mt, AllocFlags flags, long need, long room, RefillBuffer buffer)
    {
        var mode = RmqueueMode.Normal;
        long got = 0;
        while (got < need && got + PageAlloc.PageblockNrPages <= room)
        {
            var pfn = _zone.Rmqueue(PageAlloc.PageblockOrder, mt, flags, ref mode);
            if (pfn < 0)
            {
                break;
            }

            _zone.ClaimBlockOwnership(pfn >> PageAlloc.PageblockOrder, cpu);
            buffer.Add(pfn, PageAlloc.PageblockOrder, PhaseClaimBlock);
            got += PageAlloc.PageblockNrPages;
        }

        return got;
    }

    /// <summary>
    /// Phase 2: sub-pageblock chunks from the free lists without stealing other types, largest first from
    /// the smallest order that covers what is still needed. As posted it scans the requested type's lists
    /// only; with the review fix it follows __rmqueue()'s CMA decision (CMA first when CMA holds over half
    /// of the free pages, else after the requested type, for requests that may use CMA).
    /// </summary>
    private long TakeChunks(int order, MigrateType mt, AllocFlags flags, long need, RefillBuffer buffer)
    {
        var check = CmaPhaseStart(mt, flags);
        Span<MigrateType> types = stackalloc MigrateType[2];
        var nTypes = 1;
        types[0] = mt;
        if (_cmaFollowsRmqueue && (flags & AllocFlags.Cma) != 0)
        {
            nTypes = 2;
            var cmaFirst = Zone.CmaOverHalf(_zone.NrFreeCmaPages, _zone.NrFreePages);
            types[0] = cmaFirst ? MigrateType.Cma : mt;
            types[1] = cmaFirst ? mt : MigrateType.Cma;
        }

        var coveringOrder = need <= 1 ? 0 : BitOperations.Log2((ulong)(need - 1)) + 1;
        var topOrder = Math.Min(PageAlloc.PageblockOrder - 1, Math.Max(order, coveringOrder));
        long got = 0;
        for (var t = 0; t < nTypes && got < need; t++)
        {
            for (var o = topOrder; o >= order && got < need; o--)
            {
                while (got < need)
                {
                    var pfn = _zone.GetPageFromFreeArea(o, types[t]);
                    if (pfn < 0)
                    {
                        break;
                    }

                    _zone.DelFromFreeList(pfn, o, types[t]);
                    CheckChunkCmaFirst(pfn, o, types[t], check, order, topOrder);
                    buffer.Add(pfn, o, PhaseChunk);
                    got += 1L << o;
                }
            }
        }

        return got;
    }

    /// <summary>Phase 3: the traditional __rmqueue() with migratetype fallback, chunk by chunk, keeping the mode.</summary>
    private long FallbackRmqueue(int order, MigrateType mt, AllocFlags flags, long need, RefillBuffer buffer)
    {
        var mode = RmqueueMode.Normal;
        long got = 0;
        while (got < need)
        {
            var pfn = _zone.Rmqueue(order, mt, flags, ref mode);
            if (pfn < 0)
            {
                break;
            }

            buffer.Add(pfn, order, PhaseFallback);
            got += 1L << order;
        }

        return got;
    }
}
