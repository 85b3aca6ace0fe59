using PcpTestbed.Designs.Tests.Support;
using PcpTestbed.Model;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs.Tests.Mainline;

/// <summary>
/// KERNEL.md §5, the seeds' tree since 6.19 (Joshua Hahn, "mm/page_alloc: batch page freeing in
/// free_frozen_page_commit" and "... in decay_pcp_high"): the bulk free that ends free_frozen_page_commit() goes
/// min(to_free, batch) pages per zone->lock hold and drops pcp->lock between chunks, taking it back with trylock and
/// stopping when that fails; decay_pcp_high() drains one chunk of at most batch pages per pcp->lock hold; the
/// pre-6.19 switch (<see cref="AllocatorConfig.UnchunkedPcpFree"/>) frees it all at once. The 64 MiB zone with 4 CPUs
/// has batch 3 and high_min 80: CPU 0 frees 79 pages it did not allocate, and the 80th free reaches high with
/// to_free = clamp(free_count 80, batch 3, high 80 - batch 3) = 77 pages.
/// </summary>
public class ChunkedFreeTests
{
    private const int ToFree = 77;

    [Fact]
    public void A_bulk_free_goes_min_of_to_free_and_batch_pages_per_zone_lock_hold_and_retakes_pcp_lock_between_chunks()
    {
        var rig = new Rig(DesignKind.Mainline);
        var last = FillOneBelowHigh(rig);
        var freedPerHold = PagesFreedPerZoneHold(rig);

        rig.A.Free(0, last, 0);

        // 25 chunks of batch and the 2 pages left: min(to_free, batch) each.
        Assert.Equal([.. Enumerable.Repeat(rig.Batch, ToFree / rig.Batch), ToFree % rig.Batch], freedPerHold);

        // The free's trylock, then each chunk's zone->lock hold, with pcp->lock dropped and taken back by trylock between two.
        var expected = new List<(LockClass, LockSite, LockAttempt)> { (LockClass.Pcp, LockSite.PcpFree, LockAttempt.TryLockTaken) };
        for (var chunk = 0; chunk < freedPerHold.Count; chunk++)
        {
            if (chunk > 0)
            {
                expected.Add((LockClass.Pcp, LockSite.PcpFreeRelock, LockAttempt.TryLockTaken));
            }

            expected.Add((LockClass.Zone, LockSite.FreeBulk, LockAttempt.Lock));
        }

        Assert.Equal(expected, rig.Log.Events.Select(e => (e.Class, e.Site, e.Attempt)));
        Assert.All(rig.Log.Events.Where(e => e.Class == LockClass.Pcp), e => Assert.Equal((0, 0), (e.Cpu, e.Instance)));
        Assert.Equal(80 - ToFree, rig.A.PcpCount(0));
        Assert.Equal(freedPerHold.Count - 1, rig.A.Stats().FreeCommitRelocks);
        Assert.Equal(0, rig.A.Stats().FreeCommitStops);
        Assert.False(rig.Pcp(0).Lock.IsHeld);
        rig.AssertAuditClean();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(25)]
    public void A_relock_that_fails_stops_the_bulk_free_and_leaves_the_rest_on_the_pcp(int chunksBeforeTheDrain)
    {
        var rig = new Rig(DesignKind.Mainline);
        var last = FillOneBelowHigh(rig);
        var zoneHolds = 0;

        // CPU 1 (a drain, say) takes CPU 0's pcp->lock the moment the bulk free drops it after its n-th chunk.
        rig.Log.AfterUnlock = (lockClass, instance, cpu) =>
        {
            if (lockClass == LockClass.Zone)
            {
                zoneHolds++;
            }
            else if (instance == 0 && cpu == 0 && zoneHolds == chunksBeforeTheDrain)
            {
                rig.SeizePcpLock(0, 1);
            }
        };

        rig.A.Free(0, last, 0);

        Assert.Equal(chunksBeforeTheDrain, rig.Log.Acquisitions(LockClass.Zone, LockSite.FreeBulk));
        Assert.Equal(1, rig.Log.FailedTrylocks(LockClass.Pcp, LockSite.PcpFreeRelock, cpu: 0, instance: 0));
        Assert.Equal(80 - (chunksBeforeTheDrain * rig.Batch), rig.A.PcpCount(0));
        Assert.Equal(1, rig.A.Stats().FreeCommitStops);

        // The free returned without touching the lock CPU 1 holds (releasing it would have thrown).
        Assert.True(rig.Pcp(0).Lock.IsHeldBy(1));
        rig.ReleasePcpLock(0);
        rig.AssertAuditClean();
    }

    [Fact]
    public void In_a_batch_a_commit_that_could_not_take_the_lock_back_ends_the_run_and_the_next_folio_trylocks_again()
    {
        var rig = new Rig(DesignKind.Mainline);
        var pages = rig.AllocMany(1, 82);
        rig.FreeMany(0, pages.Take(79));
        rig.Log.Clear();

        // The batch's first folio reaches high; CPU 1 takes the lock when the bulk free drops it after one chunk, and
        // lets it go as soon as the relock has failed.
        var chunks = 0;
        var seized = false;
        rig.Log.AfterUnlock = (lockClass, instance, cpu) =>
        {
            if (lockClass == LockClass.Zone)
            {
                chunks++;
            }
            else if (instance == 0 && cpu == 0 && chunks == 1 && !seized)
            {
                rig.SeizePcpLock(0, 1);
                seized = true;
            }
        };
        rig.Log.AfterLock = e =>
        {
            if (e.Site == LockSite.PcpFreeRelock && !e.Acquired)
            {
                rig.ReleasePcpLock(0);
            }
        };

        rig.FreeBatch(0, pages.Skip(79));

        // One chunk left 77 pages; the other two folios came after a second trylock for the batch.
        Assert.Equal(2, rig.Log.Acquisitions(LockClass.Pcp, LockSite.PcpFreeBatch, cpu: 0, instance: 0));
        Assert.Equal(1, rig.Log.FailedTrylocks(LockClass.Pcp, LockSite.PcpFreeRelock, cpu: 0, instance: 0));
        Assert.Equal(2, rig.A.Stats().FreeBatchPcpLocks);
        Assert.Equal(1, rig.A.Stats().FreeCommitStops);
        Assert.Equal(80 - rig.Batch + 2, rig.A.PcpCount(0));
        Assert.False(rig.Pcp(0).Lock.IsHeld);
        rig.AssertAuditClean();
    }

    [Fact]
    public void Decay_drains_at_most_batch_pages_per_pcp_lock_hold()
    {
        var rig = new Rig(DesignKind.Mainline, "1G", cpus: 1);
        var toDrain = DecayUntilTheNextDrainsSeveralBatches(rig);
        var count = rig.A.PcpCount(0);
        var freedPerHold = PagesFreedPerPcpHold(rig);

        rig.A.DecayPcpHigh(0);

        List<int> chunks = [.. Enumerable.Repeat(rig.Batch, toDrain / rig.Batch)];
        if (toDrain % rig.Batch != 0)
        {
            chunks.Add(toDrain % rig.Batch);
        }

        Assert.Equal(chunks, freedPerHold);
        Assert.Equal(chunks.Count, rig.Log.Acquisitions(LockClass.Pcp, LockSite.PcpDecay));
        Assert.Equal(chunks.Count, rig.Log.Acquisitions(LockClass.Zone, LockSite.Drain));
        Assert.Equal(count - toDrain, rig.A.PcpCount(0));
        rig.AssertAuditClean();
    }

    [Fact]
    public void The_pre_6_19_switch_frees_to_free_under_one_pcp_lock_and_one_zone_lock_hold()
    {
        var rig = new Rig(DesignKind.Mainline, unchunkedPcpFree: true);
        var last = FillOneBelowHigh(rig);
        var freedPerHold = PagesFreedPerZoneHold(rig);

        rig.A.Free(0, last, 0);

        Assert.Equal([ToFree], freedPerHold);
        Assert.Equal(1, rig.Log.Acquisitions(LockClass.Pcp));
        Assert.Equal(0, rig.A.Stats().FreeCommitRelocks);
        Assert.Equal(80 - ToFree, rig.A.PcpCount(0));
        rig.AssertAuditClean();
    }

    [Fact]
    public void The_pre_6_19_switch_decays_under_one_pcp_lock_hold()
    {
        var rig = new Rig(DesignKind.Mainline, "1G", cpus: 1, unchunkedPcpFree: true);
        var toDrain = DecayUntilTheNextDrainsSeveralBatches(rig);
        var count = rig.A.PcpCount(0);
        var freedPerHold = PagesFreedPerPcpHold(rig);

        rig.A.DecayPcpHigh(0);

        Assert.Equal([toDrain], freedPerHold);
        Assert.Equal(1, rig.Log.Acquisitions(LockClass.Zone, LockSite.Drain));
        Assert.Equal(count - toDrain, rig.A.PcpCount(0));
        rig.AssertAuditClean();
    }

    /// <summary>
    /// 1 GiB, 1 CPU: batch 63, high_min 1286, high_max 32768. 25,000 pages on CPU 0's PCP under a high raised by the
    /// refills; decays lower high by an eighth until the next one drains more than two batches. Returns what it will
    /// drain: the count above max(count - (batch &lt;&lt; 5), high - high / 8, high_min).
    /// </summary>
    private static int DecayUntilTheNextDrainsSeveralBatches(Rig rig)
    {
        var pages = rig.AllocMany(0, 30000);
        rig.FreeMany(0, pages.Take(25000));
        for (var step = 0; step < 100; step++)
        {
            var pcp = rig.A.Pcp(0);
            var high = Math.Max(Math.Max(pcp.Count - (rig.Batch << PageAlloc.PcpBatchScaleMax), pcp.High - (pcp.High >> 3)), pcp.HighMin);
            if (pcp.Count - high > 2 * rig.Batch)
            {
                rig.Log.Clear();
                return pcp.Count - high;
            }

            rig.A.DecayPcpHigh(0);
        }

        Assert.Fail("100 decays and none would drain more than two batches");
        return 0;
    }

    /// <summary>CPU 1 allocates 80 pages; CPU 0 frees 79 of them, which stays below high. Returns the 80th.</summary>
    internal static long FillOneBelowHigh(Rig rig)
    {
        var pages = rig.AllocMany(1, 80);
        rig.FreeMany(0, pages.Take(79));
        Assert.Equal(79, rig.A.PcpCount(0));
        Assert.Equal(0, rig.A.Stats().BulkFrees);
        rig.Log.Clear();
        return pages[79];
    }

    /// <summary>The pages each zone->lock hold from now on gave the zone (NR_FREE_PAGES at release minus at acquisition).</summary>
    internal static List<int> PagesFreedPerZoneHold(Rig rig)
    {
        var freed = new List<int>();
        long atLock = 0;
        rig.Log.AfterLock = e =>
        {
            if (e.Class == LockClass.Zone && e.Acquired)
            {
                atLock = rig.Zone.NrFreePages;
            }
        };
        rig.Log.AfterUnlock = (lockClass, _, _) =>
        {
            if (lockClass == LockClass.Zone)
            {
                freed.Add((int)(rig.Zone.NrFreePages - atLock));
            }
        };
        return freed;
    }

    /// <summary>The pages CPU 0's PCP lost during each of its pcp->lock holds from now on.</summary>
    private static List<int> PagesFreedPerPcpHold(Rig rig)
    {
        var freed = new List<int>();
        var atLock = 0;
        rig.Log.AfterLock = e =>
        {
            if (e.Class == LockClass.Pcp && e.Instance == 0 && e.Acquired)
            {
                atLock = rig.A.PcpCount(0);
            }
        };
        rig.Log.AfterUnlock = (lockClass, instance, _) =>
        {
            if (lockClass == LockClass.Pcp && instance == 0)
            {
                freed.Add(atLock - rig.A.PcpCount(0));
            }
        };
        return freed;
    }
}
