using PcpTestbed.Model;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs;

// Draining PCPs and CPU hotplug: drain_all_pages(), drain_pages_zone(), decay_pcp_high(),
// page_alloc_cpu_dead() and page_alloc_cpu_online().
public abstract partial class PageAllocator<TExec>
{
    /// <summary>
    /// drain_all_pages(zone): <paramref name="cpu"/> drains every online CPU's PCP that holds pages,
    /// directly under each remote pcp->lock (mainline since 6.2; no work items). Concurrent callers
    /// skip: one global drain is enough (pcpu_drain_mutex with trylock).
    /// </summary>
    public void DrainAllPages(int cpu)
    {
        CheckCpu(cpu);
        _exec.OpBegin(cpu, AllocatorOp.DrainAllPages, 0, 0);
        DrainAllPagesCore(cpu);
        _exec.OpEnd(cpu, 0);
    }

    /// <summary>drain_all_pages() inside an entry point that has already checked and reported <paramref name="cpu"/>.</summary>
    protected void DrainAllPagesCore(int cpu)
    {
        _stats[cpu].DrainAllPagesCalls++;

        // Reserves pcpu_drain_mutex for this drain; a drain already running makes this one redundant.
        if (_exec.CompareExchange(ref _drainMutex, 1, 0, SharedLocation.DrainMutex, AccessSite.DrainMutexTrylock) != 0)
        {
            return;
        }

        for (var target = 0; target < Cpus; target++)
        {
            // for_each_online_cpu() reads cpu_online_mask without cpus_read_lock(), and cpus_with_pcps is built from racy
            // reads of each pcp->count ("we don't care about racing with CPU hotplug": a dead CPU's PCP is drained by
            // page_alloc_cpu_dead()).
            if (_exec.ReadOnce(ref _online[target], SharedLocation.CpuOnline(target), AccessSite.DrainAllPagesOnline) == 0 || !PcpHasPages(target))
            {
                continue;
            }

            DrainPagesZone(cpu, target);
        }

        // Releases pcpu_drain_mutex.
        _exec.Exchange(ref _drainMutex, 0, SharedLocation.DrainMutex, AccessSite.DrainMutexUnlock);
    }

    /// <summary>Whether a CPU's PCP holds pages (a racy read, a point). The lock-free variant also counts pending remote frees.</summary>
    protected virtual bool PcpHasPages(int target) =>
        _exec.ReadOnce(ref _pcps[target].Count, SharedLocation.PcpCount(target), AccessSite.DrainAllPagesCount) != 0;

    /// <summary>
    /// drain_pages_zone(): empty <paramref name="target"/>'s PCP in chunks of batch &lt;&lt; PCP_BATCH_SCALE_MAX, one
    /// pcp->lock hold each. The same in the seeds' tree: the 6.19 series dropped its patch to drain in chunks of batch
    /// (v3 changelog: drain_pages_zone() runs for every CPU in __drain_all_pages(), so it is not a good candidate).
    /// </summary>
    protected void DrainPagesZone(int cpu, int target)
    {
        ref var pcp = ref _pcps[target];
        var withLock = !Has(InjectedBug.DrainWithoutPcpLock);
        int count;
        var rounds = 0;
        do
        {
            if (withLock)
            {
                _exec.Lock(ref pcp.Lock, cpu, LockSite.PcpDrain);
                OnPcpLocked(target, ref pcp);
            }

            count = pcp.Count;
            if (count > 0)
            {
                var toDrain = Math.Min(count, ReadPcpSizing(target, AccessSite.DrainPagesZoneBatch).Batch << PageAlloc.PcpBatchScaleMax);
                FreePcppagesBulk(cpu, target, ref pcp, toDrain, 0, LockSite.Drain);
                count -= toDrain;
            }

            if (withLock)
            {
                _exec.Unlock(ref pcp.Lock, cpu);
            }
        }
        while (count > 0 && ++rounds < MaxDrainRounds);
    }

    /// <summary>A bound on drain_pages_zone() rounds: each takes at least one page, so a PCP's pages bound it.</summary>
    private int MaxDrainRounds => _zone.PresentPages + 1;

    /// <summary>kswapd on <paramref name="cpu"/> found the zone balanced: clear the watermark boost under zone->lock (balance_pgdat()).</summary>
    public void ClearWatermarkBoost(int cpu)
    {
        CheckCpu(cpu);
        _exec.OpBegin(cpu, AllocatorOp.ClearWatermarkBoost, 0, 0);
        _exec.Lock(ref _zone.Lock, cpu, LockSite.Reclaim);
        _zone.ResetWatermarkBoost();
        _exec.Unlock(ref _zone.Lock, cpu);
        _exec.OpEnd(cpu, 0);
    }

    /// <summary>
    /// decay_pcp_high() from the vmstat work of <paramref name="cpu"/>: lower pcp->high by an eighth (never
    /// below high_min, nor more than batch &lt;&lt; PCP_BATCH_SCALE_MAX under the count) and free the excess.
    /// As in the kernel, high and the amount to drain are worked out without pcp->lock (a racy update the
    /// kernel accepts: only heuristics read high); the lock is taken to drain, and free_pcppages_bulk()
    /// clamps the amount to what is still there.
    /// </summary>
    public void DecayPcpHigh(int cpu)
    {
        CheckCpu(cpu);
        _exec.OpBegin(cpu, AllocatorOp.DecayPcpHigh, 0, 0);
        DecayPcpHighCore(cpu);
        _exec.OpEnd(cpu, 0);
    }

    /// <summary>
    /// Since 6.19 (Joshua Hahn, "mm/page_alloc: batch page freeing in decay_pcp_high", reviewed by Vlastimil Babka) the
    /// excess goes min(to_drain, batch) pages at a time, each chunk under its own pcp->lock hold; before, one hold
    /// freed it all (<see cref="AllocatorConfig.UnchunkedPcpFree"/>). to_drain is fixed before the first chunk, as in
    /// the kernel, so a chunk after another CPU emptied the PCP frees nothing.
    /// </summary>
    private void DecayPcpHighCore(int cpu)
    {
        ref var pcp = ref _pcps[cpu];
        var (batch, highMin, _) = ReadPcpSizing(cpu, AccessSite.DecaySizing);

        // pcp->high and pcp->count without pcp->lock: the count is read, then high written (a racy write: a holder of
        // the lock may update high meanwhile), then the count read again for to_drain.
        if (pcp.High > highMin)
        {
            var count = _exec.ReadOnce(ref pcp.Count, SharedLocation.PcpCount(cpu), AccessSite.DecayCount);
            var decayed = Math.Max(Math.Max(count - (batch << PageAlloc.PcpBatchScaleMax), pcp.High - (pcp.High >> 3)), highMin);
            _exec.WriteOnce(ref pcp.High, decayed, SharedLocation.PcpHigh(cpu), AccessSite.DecayPcpHigh);
        }

        var toDrain = _exec.ReadOnce(ref pcp.Count, SharedLocation.PcpCount(cpu), AccessSite.DecayCount) - pcp.High;
        if (toDrain <= 0 && !HasPendingPcpWork(cpu))
        {
            return;
        }

        var rounds = 0;
        do
        {
            _exec.Lock(ref pcp.Lock, cpu, LockSite.PcpDecay);
            var before = pcp.Count;
            OnPcpLocked(cpu, ref pcp);
            if (pcp.Count != before)
            {
                // Pending work added pages (remote frees taken over): drain against the count now held.
                toDrain = pcp.Count - pcp.High;
            }

            if (toDrain > 0)
            {
                var chunk = _config.UnchunkedPcpFree ? toDrain : Math.Min(toDrain, batch);
                FreePcppagesBulk(cpu, cpu, ref pcp, chunk, 0, LockSite.Drain);
                toDrain -= chunk;
            }

            _exec.Unlock(ref pcp.Lock, cpu);
        }
        while (toDrain > 0 && ++rounds < MaxDrainRounds);
    }

    /// <summary>Whether a PCP has work only its lock holder can do (the lock-free variant's pending remote frees).</summary>
    protected virtual bool HasPendingPcpWork(int cpu) => false;

    /// <summary>
    /// page_alloc_cpu_dead(), run on <paramref name="cpu"/> after <paramref name="deadCpu"/> has stopped:
    /// the dead CPU's PCP is emptied (and, in the pageblock designs, its blocks released), then the
    /// remaining CPUs' high bounds are recomputed.
    /// </summary>
    public void CpuDead(int deadCpu, int cpu)
    {
        if ((uint)deadCpu >= (uint)Cpus)
        {
            throw new ArgumentOutOfRangeException(nameof(deadCpu), deadCpu, $"expected a CPU in 0..{Cpus - 1}");
        }

        if (deadCpu == cpu)
        {
            throw new ArgumentException($"CPU {cpu} cannot run its own page_alloc_cpu_dead()", nameof(cpu));
        }

        CheckCpu(cpu);

        // A misuse check on a bit only hotplug callbacks write, which run one at a time (cpus_write_lock()): no point.
        if (!IsOnline(deadCpu))
        {
            throw new InvalidOperationException($"CPU {deadCpu} is already offline");
        }

        _exec.OpBegin(cpu, AllocatorOp.CpuDead, deadCpu, 0);
        _exec.Exchange(ref _online[deadCpu], 0, SharedLocation.CpuOnline(deadCpu), AccessSite.CpuDeadOffline);
        CpuDeadDesign(deadCpu, cpu);
        ZonePcpUpdate();
        _exec.OpEnd(cpu, 0);
    }

    /// <summary>
    /// page_alloc_cpu_online(<paramref name="onlineCpu"/>), run on <paramref name="cpu"/> (the hotplug thread, or the CPU
    /// itself): the CPU starts with an empty PCP at the boot high. Under the PCP's lock, as zone_pcp_update_cacheinfo()
    /// takes it for pcp->flags; the emulation also resets high, alloc_factor and free_count in that hold (the kernel keeps
    /// them while the CPU is offline).
    /// </summary>
    public void CpuOnline(int onlineCpu, int cpu)
    {
        if ((uint)onlineCpu >= (uint)Cpus)
        {
            throw new ArgumentOutOfRangeException(nameof(onlineCpu), onlineCpu, $"expected a CPU in 0..{Cpus - 1}");
        }

        if (cpu != onlineCpu)
        {
            CheckCpu(cpu);
        }

        // A misuse check, serialized with every writer of the bit as in page_alloc_cpu_dead(): no point.
        if (IsOnline(onlineCpu))
        {
            throw new InvalidOperationException($"CPU {onlineCpu} is already online");
        }

        _exec.OpBegin(cpu, AllocatorOp.CpuOnline, onlineCpu, 0);
        ref var pcp = ref _pcps[onlineCpu];
        _exec.Lock(ref pcp.Lock, cpu, LockSite.CpuOnline);
        PcpHighSet(onlineCpu, ref pcp, 0);
        AssertPcpLocked(onlineCpu);
        pcp.AllocFactor = 0;
        pcp.FreeCount = 0;
        pcp.Flags = CacheinfoFlags(PcpFlags.None, HotplugPcpBatch(onlineCpu));
        _exec.Unlock(ref pcp.Lock, cpu);
        OnCpuOnline(onlineCpu, ref pcp);

        // Publishes the reset PCP: the CPU may allocate from here on.
        _exec.Exchange(ref _online[onlineCpu], 1, SharedLocation.CpuOnline(onlineCpu), AccessSite.CpuOnlineOnline);
        ZonePcpUpdate();
        _exec.OpEnd(cpu, 0);
    }

    /// <summary>A design's part of bringing a CPU online (the lock-free variant reopens its remote list).</summary>
    protected virtual void OnCpuOnline(int cpu, ref PerCpuPages pcp)
    {
    }
}
