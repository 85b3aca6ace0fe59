using System.Diagnostics;
using PcpTestbed.Model;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs;

// PCP sizing shared by every design: nr_pcp_alloc(), nr_pcp_high(), nr_pcp_free(), the common tail of
// free_frozen_page_commit() with its chunked bulk free, and zone_pcp_update(). All run under the PCP's lock unless noted.
public abstract partial class PageAllocator<TExec>
{
    /// <summary>
    /// nr_pcp_alloc(): how many order-sized chunks a refill takes. Grows pcp->high toward high_max while
    /// the zone is above its high watermark; order-0 batches double with each allocation streak.
    /// </summary>
    protected int NrPcpAlloc(int target, ref PerCpuPages pcp, int order)
    {
        var (baseBatch, highMin, highMax) = ReadPcpSizing(target, AccessSite.NrPcpAllocSizing);
        var high = PcpHighSet(target, ref pcp, Clamp(pcp.High, highMin, highMax));

        // PCP disabled or the boot pageset.
        if (high < baseBatch)
        {
            return 1;
        }

        var batch = order != 0 ? baseBatch : baseBatch << pcp.AllocFactor;

        // A larger pcp->high would have avoided going to the zone.
        if (highMin != highMax && !_zone.TestFlag(ZoneFlags.BelowHigh, AccessSite.NrPcpAllocBelowHigh))
        {
            high = PcpHighSet(target, ref pcp, Math.Min(high + batch, highMax));
        }

        if (order == 0)
        {
            var maxNrAlloc = Math.Max(high - pcp.Count - baseBatch, baseBatch);

            // Double the batch each time order-0 allocations follow each other without frees.
            if (batch <= maxNrAlloc && pcp.AllocFactor < PageAlloc.PcpBatchScaleMax)
            {
                AssertPcpLocked(target);
                pcp.AllocFactor++;
            }

            batch = Math.Min(batch, maxNrAlloc);
        }

        // Scale to the order, unless batch is 1 (a PCP that should not hold pages).
        if (batch > 1)
        {
            batch = Math.Max(batch >> order, 2);
        }

        return batch;
    }

    /// <summary>
    /// nr_pcp_high(): the count at which a free triggers a bulk free, adjusting pcp->high: shrink it under
    /// reclaim or below the high watermark, grow it when frees keep overflowing it.
    /// </summary>
    protected int NrPcpHigh(int target, ref PerCpuPages pcp, int batch, bool freeHigh)
    {
        var (_, highMin, highMax) = ReadPcpSizing(target, AccessSite.NrPcpHighSizing);
        var high = PcpHighSet(target, ref pcp, Clamp(pcp.High, highMin, highMax));

        if (high == 0)
        {
            return 0;
        }

        if (freeHigh)
        {
            PcpHighSet(target, ref pcp, Math.Max(high - (batch << PageAlloc.PcpBatchScaleMax), highMin));
            return 0;
        }

        // Reclaim is active: keep fewer pages on the PCP.
        if (_zone.TestFlag(ZoneFlags.ReclaimActive, AccessSite.NrPcpHighReclaimActive))
        {
            var freeCount = Math.Max((int)pcp.FreeCount, batch);
            return Math.Min(batch << 2, PcpHighSet(target, ref pcp, Math.Max(high - freeCount, highMin)));
        }

        if (highMin == highMax)
        {
            return high;
        }

        if (_zone.TestFlag(ZoneFlags.BelowHigh, AccessSite.NrPcpHighBelowHigh))
        {
            var freeCount = Math.Max((int)pcp.FreeCount, batch);
            PcpHighSet(target, ref pcp, Math.Max(high - freeCount, highMin));
            high = Math.Max(pcp.Count, highMin);
        }
        else if (pcp.Count >= high)
        {
            // pcp->high should be large enough to hold the batch being freed.
            var needHigh = pcp.FreeCount + batch;
            if (pcp.High < needHigh)
            {
                PcpHighSet(target, ref pcp, Clamp(needHigh, highMin, highMax));
            }
        }

        return high;
    }

    /// <summary>nr_pcp_free(): how many pages a bulk free takes, growing with consecutive frees.</summary>
    protected static int NrPcpFree(ref PerCpuPages pcp, int batch, int high, bool freeHigh)
    {
        // Free as much as possible when batch freeing high-order pages.
        if (freeHigh)
        {
            return Math.Min(pcp.Count, batch << PageAlloc.PcpBatchScaleMax);
        }

        // PCP disabled or the boot pageset.
        if (high < batch)
        {
            return 1;
        }

        // Leave at least a batch on the lists; free more the longer frees go on.
        return Clamp(pcp.FreeCount, batch, high - batch);
    }

    /// <summary>
    /// free_frozen_page_commit() after the page is on a list of <paramref name="target"/>'s PCP (locked by
    /// <paramref name="cpu"/>): the free_high heuristic for high orders, free_count, and the bulk free when
    /// pcp->count reaches high. Returns whether <paramref name="cpu"/> still holds target's pcp->lock, as the kernel's
    /// does since 6.19: the bulk free may drop it and not get it back (<see cref="FreeCommitBulk"/>).
    /// </summary>
    protected bool FreeCommitTail(int cpu, int target, ref PerCpuPages pcp, int order, int pindex)
    {
        // Freeing shrinks the next allocation batch (see nr_pcp_alloc()).
        AssertPcpLocked(target);
        pcp.AllocFactor >>= 1;
        var (batch, highMin, _) = ReadPcpSizing(target, AccessSite.FreeCommitBatch);
        var freeHigh = false;

        // High-order pages other than THPs fragment memory: limit them when a PCP only frees. pcp->flags and free_count
        // are guarded by pcp->lock too (asserted above; ReadPcpSizing's point releases nothing).
        if (order != 0 && order <= PageAlloc.PageAllocCostlyOrder)
        {
            freeHigh = pcp.FreeCount >= batch + highMin / 2 &&
                       (pcp.Flags & PcpFlags.PrevFreeHighOrder) != 0 &&
                       ((pcp.Flags & PcpFlags.FreeHighBatch) == 0 || pcp.Count >= batch);
            pcp.Flags |= PcpFlags.PrevFreeHighOrder;
        }
        else if ((pcp.Flags & PcpFlags.PrevFreeHighOrder) != 0)
        {
            pcp.Flags &= ~PcpFlags.PrevFreeHighOrder;
        }

        if (pcp.FreeCount < batch << PageAlloc.PcpBatchScaleMax)
        {
            pcp.FreeCount += (short)(1 << order);
        }

        var high = NrPcpHigh(target, ref pcp, batch, freeHigh);
        if (pcp.Count < high)
        {
            return true;
        }

        return FreeCommitBulk(cpu, target, ref pcp, batch, NrPcpFree(ref pcp, batch, high, freeHigh), pindex);
    }

    /// <summary>
    /// The bulk free that ends free_frozen_page_commit(), as 6.19 has it (Joshua Hahn, "mm/page_alloc: batch page
    /// freeing in free_frozen_page_commit", v5 with its fixlet and Vlastimil Babka's "simplify and cleanup pcp
    /// locking", linux-mm October 2025): <paramref name="toFree"/> pages go to the zone min(to_free, batch) at a time,
    /// one free_pcppages_bulk() (one zone->lock hold) per chunk; while pages remain both to free and on the PCP, the
    /// lock is dropped and taken back with trylock, and if that fails the rest stays on the PCP for later. Returns
    /// whether <paramref name="cpu"/> still holds <paramref name="target"/>'s pcp->lock; free_unref_folios() then
    /// trylocks again for its next folio.
    /// <para>
    /// The kernel also stops when the task now runs on another CPU (smp_processor_id() != cpu after the relock: the
    /// trylock took this_cpu_ptr() of the new CPU). An emulated CPU is a thread that never migrates, so that check
    /// can never fire here. In the pageblock designs the commit may be on the owner's PCP, not the freeing CPU's:
    /// the relock takes that same PCP back (a kernel version of the RFC would hold the owner's pcp pointer, not
    /// this_cpu_ptr()), and there is no owner recheck after it, since the chunks only take pages off that PCP and
    /// any PCP may give its pages to the zone under its own lock. Both are this emulation's inference.
    /// </para>
    /// </summary>
    protected bool FreeCommitBulk(int cpu, int target, ref PerCpuPages pcp, int batch, int toFree, int pindex)
    {
        var held = true;
        Debug.Assert(batch >= 1, "zone_batchsize() is at least 1, so every chunk frees a page and the loop ends");
        ref var st = ref _stats[cpu];
        while (toFree > 0 && pcp.Count > 0)
        {
            // Before 6.19 (--unchunked-pcp-free): everything under this pcp->lock hold and one zone->lock hold.
            var chunk = _config.UnchunkedPcpFree ? toFree : Math.Min(toFree, batch);
            FreePcppagesBulk(cpu, target, ref pcp, chunk, pindex, LockSite.FreeBulk);
            toFree -= chunk;
            if (toFree == 0 || pcp.Count == 0)
            {
                break;
            }

            _exec.Unlock(ref pcp.Lock, cpu);
            if (!_exec.TryLock(ref pcp.Lock, cpu, LockSite.PcpFreeRelock))
            {
                st.FreeCommitStops++;
                held = false;
                break;
            }

            st.FreeCommitRelocks++;
            OnPcpLocked(target, ref pcp);
        }

        // Racy zone-level reads and an atomic bit, as in the kernel: they need neither lock (and may run without both).
        if (_zone.TestFlag(ZoneFlags.BelowHigh, AccessSite.FreeCommitBelowHigh) && ZoneAboveHighWatermark())
        {
            _zone.ClearFlag(ZoneFlags.BelowHigh, AccessSite.FreeCommitBelowHighClear);
        }

        return held;
    }

    /// <summary>zone_watermark_ok() at the high mark, for order 0: the counters read without zone->lock after a read point.</summary>
    private bool ZoneAboveHighWatermark()
    {
        _exec.SharedRead(SharedLocation.ZoneCounters, AccessSite.FreeCommitCounters);
        return _zone.ZoneWatermarkOk(0, _zone.WmarkPages(WatermarkKind.High), 0);
    }

    /// <summary>
    /// zone_pcp_update(): batch and the high bounds for the CPUs now online (zone_highsize() splits the
    /// zone across the node's CPUs), written to every PCP with WRITE_ONCE. A CPU hotplug callback: it runs under
    /// cpus_write_lock() (and pcp_batch_high_lock), so the online mask, whose only writers are hotplug callbacks, is
    /// stable here and read without a point. The emulation's callers (the fault injector, the scenarios) run one
    /// hotplug operation at a time.
    /// </summary>
    private void ZonePcpUpdate()
    {
        var online = 0;
        for (var cpu = 0; cpu < Cpus; cpu++)
        {
            online += _online[cpu];
        }

        var sizing = Model.PcpSizing.Derive(_zone.ManagedPages, _zone.WmarkPages(WatermarkKind.Low), Math.Max(online, 1));
        for (var cpu = 0; cpu < Cpus; cpu++)
        {
            // pageset_update(): WRITE_ONCE of batch, high_min and high_max, read by the PCP's users with READ_ONCE, locked
            // or not. One write point for the three (one per PCP, not per field): the stores are in its step, each whole.
            ref var pcp = ref _pcps[cpu];
            _exec.SharedWrite(SharedLocation.PcpSizing(cpu), AccessSite.PcpUpdatePageset);
            pcp.Batch = sizing.Batch;
            pcp.HighMin = sizing.HighMin;
            pcp.HighMax = sizing.HighMax;
        }
    }

    /// <summary>
    /// batch of <paramref name="target"/> read by a CPU hotplug callback (page_alloc_cpu_dead(), page_alloc_cpu_online()):
    /// its only writer, zone_pcp_update(), is a hotplug callback too, serialized with the reader by cpus_write_lock(), so
    /// the read races with no write and is no scheduling point.
    /// </summary>
    protected int HotplugPcpBatch(int target) => _pcps[target].Batch;

    /// <summary>zone_pcp_update_cacheinfo()'s decision: PCPF_FREE_HIGH_BATCH iff the cache slice holds more than 3 batches.</summary>
    private PcpFlags CacheinfoFlags(PcpFlags flags, int batch) =>
        _config.CacheSliceBytes >> PageAlloc.PageShift > 3L * batch ? flags | PcpFlags.FreeHighBatch : flags & ~PcpFlags.FreeHighBatch;

    /// <summary>The kernel's clamp(): min(max(v, lo), hi), which yields hi when lo &gt; hi.</summary>
    protected static int Clamp(int value, int lo, int hi) => Math.Min(Math.Max(value, lo), hi);
}
