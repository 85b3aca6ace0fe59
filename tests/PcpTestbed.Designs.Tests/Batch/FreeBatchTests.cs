using PcpTestbed.Designs.Tests.Support;
using PcpTestbed.Model;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs.Tests.Batch;

/// <summary>
/// KERNEL.md §5 batched free: free_unref_folios(), which munmap, MADV_DONTNEED and exit reach through the
/// mmu_gather, takes pcp->lock once for a run of folios bound for the same PCP; a failed trylock frees that folio
/// through free_one_page() and the next folio tries again; a folio_batch holds PAGEVEC_SIZE (31). Misuse anywhere in
/// a batch changes nothing. The 1 GiB zone with 2 CPUs has batch 63 and high_min 643, more than a pageblock, so
/// 31 folios freed back to the CPU that allocated them stay on its PCP (no bulk free gets in the way).
/// </summary>
public class FreeBatchTests
{
    private const string Zone = "1G";

    [Theory]
    [MemberData(nameof(Rig.AllDesigns), MemberType = typeof(Rig))]
    public void A_batch_of_folios_bound_for_one_pcp_takes_its_pcp_lock_once(DesignKind design)
    {
        var rig = new Rig(design, Zone, cpus: 2);
        var pages = rig.AllocMany(0, PageAlloc.PagevecSize);
        var before = rig.A.Stats();
        var count = rig.A.PcpCount(0);
        rig.Log.Clear();

        rig.FreeBatch(0, pages);

        var after = rig.A.Stats();
        Assert.Equal(before.BulkFrees, after.BulkFrees);
        Assert.Equal([(LockSite.PcpFreeBatch, 0, LockAttempt.TryLockTaken)],
            rig.Log.Events.Where(e => e.Class == LockClass.Pcp).Select(e => (e.Site, e.Instance, e.Attempt)));
        Assert.Equal(1, after.FreeBatches - before.FreeBatches);
        Assert.Equal(1, after.FreeBatchPcpLocks - before.FreeBatchPcpLocks);
        Assert.Equal(PageAlloc.PagevecSize, after.Frees - before.Frees);
        Assert.Equal(count + PageAlloc.PagevecSize, rig.A.PcpCount(0));
        Assert.All(pages, p => Assert.True(rig.Page(p).State is PageState.Pcp or PageState.PcpBuddy, $"pfn {p:x} is {rig.Page(p).State}"));
        Assert.False(rig.Pcp(0).Lock.IsHeld);
        rig.AssertAuditClean();
    }

    [Theory]
    [MemberData(nameof(Rig.AllDesigns), MemberType = typeof(Rig))]
    public void A_batch_is_one_free_unref_folios_entry_point_at_the_seam(DesignKind design)
    {
        var rig = new Rig(design, Zone, cpus: 2);
        var pages = rig.AllocMany(0, 5);
        var huge = rig.Alloc(0, Rig.Movable, 5); // not PCP-cached: straight to the buddy inside the same entry point
        rig.Log.Clear();

        rig.A.FreeUnrefFolios(0, [.. pages.Select(p => new Folio(p, 0)), new Folio(huge, 5)]);

        Assert.Equal([new OpEvent(0, AllocatorOp.FreeBatch, 6, 0)], rig.Log.Ops);
        Assert.Equal(1, rig.Log.OpEnds);
        Assert.Equal(1, rig.Log.Acquisitions(LockClass.Zone, LockSite.DirectFree));
        rig.AssertAuditClean();
    }

    [Theory]
    [MemberData(nameof(Rig.AllDesigns), MemberType = typeof(Rig))]
    public void A_failed_trylock_frees_that_folio_to_the_buddy_and_the_next_folio_tries_again(DesignKind design)
    {
        var rig = new Rig(design, Zone, cpus: 2);
        var pages = rig.AllocMany(0, 8);
        var count = rig.A.PcpCount(0);
        var nrFree = rig.Zone.NrFreePages;
        rig.Log.Clear();

        // CPU 1 holds CPU 0's pcp->lock (a drain) for the first trylock only.
        rig.SeizePcpLock(0, 1);
        rig.Log.AfterLock = e =>
        {
            if (!e.Acquired && e.Class == LockClass.Pcp)
            {
                rig.ReleasePcpLock(0);
            }
        };

        rig.FreeBatch(0, pages);

        Assert.Equal(1, rig.Log.FailedTrylocks(LockClass.Pcp, LockSite.PcpFreeBatch, cpu: 0, instance: 0));
        Assert.Equal(1, rig.Log.Acquisitions(LockClass.Pcp, LockSite.PcpFreeBatch, cpu: 0, instance: 0));
        Assert.Equal(1, rig.Log.Acquisitions(LockClass.Zone, LockSite.TrylockFallbackFree));
        Assert.Equal(nrFree + 1, rig.Zone.NrFreePages);
        Assert.Equal(count + 7, rig.A.PcpCount(0));
        Assert.Equal(1, rig.A.Stats().PcpFreeTrylockFailures);
        Assert.Equal(1, rig.A.Stats().FreeBatchPcpLocks);
        rig.AssertAuditClean();
    }

    [Theory]
    [MemberData(nameof(Rig.AllDesigns), MemberType = typeof(Rig))]
    public void A_lock_held_throughout_sends_every_folio_to_the_buddy_with_a_trylock_each(DesignKind design)
    {
        var rig = new Rig(design, Zone, cpus: 2);
        var pages = rig.AllocMany(0, 8);
        var count = rig.A.PcpCount(0);
        rig.Log.Clear();
        rig.SeizePcpLock(0, 1);

        rig.FreeBatch(0, pages);

        Assert.Equal(8, rig.Log.FailedTrylocks(LockClass.Pcp, LockSite.PcpFreeBatch, cpu: 0, instance: 0));
        Assert.Equal(8, rig.Log.Acquisitions(LockClass.Zone, LockSite.TrylockFallbackFree));
        Assert.Equal(count, rig.A.PcpCount(0));
        Assert.All(pages, p => Assert.True(rig.Page(p).State is PageState.Buddy or PageState.Tail, $"pfn {p:x} is {rig.Page(p).State}"));
        rig.ReleasePcpLock(0);
        rig.AssertAuditClean();
    }

    [Theory]
    [InlineData(DesignKind.Mainline, 2)]
    [InlineData(DesignKind.Pageblock, 1)]
    [InlineData(DesignKind.PageblockCmaFix, 1)]
    [InlineData(DesignKind.PageblockLockFree, 1)]
    public void An_isolate_folio_goes_to_the_buddy_and_on_mainline_ends_the_run(DesignKind design, int trylocks)
    {
        var rig = new Rig(design, Zone, cpus: 2);
        var pages = rig.AllocMany(0, PageAlloc.PageblockNrPages + 4);
        var isolated = pages.First(p => rig.BlockOf(p) != rig.BlockOf(pages[0]));
        var block = rig.BlockOf(isolated);
        var others = pages.Where(p => rig.BlockOf(p) != block).Take(4).ToList();

        // start_isolate_page_range(): the block becomes ISOLATE while one of its pages is still allocated.
        rig.UnderZoneLock(() => rig.Zone.MoveFreepagesBlock(rig.Rel(isolated), rig.BlockType(isolated), MigrateType.Isolate));
        Assert.Equal(MigrateType.Isolate, rig.BlockType(isolated));
        rig.Log.Clear();

        rig.FreeBatch(0, [others[0], others[1], isolated, others[2], others[3]]);

        // Mainline (free_unref_folios()'s second pass) unlocks for the ISOLATE folio and trylocks again after it; the
        // pageblock designs send ISOLATE pages to the buddy before grouping, so the run stays whole.
        Assert.Equal(trylocks, rig.Log.Acquisitions(LockClass.Pcp, LockSite.PcpFreeBatch, cpu: 0, instance: 0));
        Assert.Equal(1, rig.Log.Acquisitions(LockClass.Zone, LockSite.DirectFree));
        Assert.Equal(PageState.Buddy, rig.Page(isolated).State);
        Assert.All(others, p => Assert.True(rig.Page(p).State is PageState.Pcp or PageState.PcpBuddy));
        rig.AssertAuditClean();
    }

    public enum BadEntry
    {
        FreedBefore,
        TwiceInTheBatch,
        WrongOrder,
        OutsideTheZone,
    }

    public static TheoryData<DesignKind, BadEntry> DesignsAndBadEntries()
    {
        var data = new TheoryData<DesignKind, BadEntry>();
        foreach (var design in PcpTestbed.Designs.Designs.All)
        {
            foreach (var bad in Enum.GetValues<BadEntry>())
            {
                data.Add(design, bad);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(DesignsAndBadEntries))]
    public void A_bad_folio_anywhere_in_a_batch_throws_naming_its_pfn_and_changes_nothing(DesignKind design, BadEntry bad)
    {
        var rig = new Rig(design, Zone, cpus: 2);
        var pages = rig.AllocMany(0, 6);
        var pair = rig.Alloc(0, Rig.Movable, 1);
        rig.A.Free(0, pages[5], 0);
        var folios = pages.Take(5).Select(p => new Folio(p, 0)).Append(new Folio(pair, 1)).ToList();
        var badFolio = bad switch
        {
            BadEntry.FreedBefore => new Folio(pages[5], 0),
            BadEntry.TwiceInTheBatch => folios[2],
            BadEntry.WrongOrder => new Folio(pair, 0),
            _ => new Folio(rig.Zone.AbsolutePfn(rig.Zone.PresentPages - 1) + 8, 0),
        };

        // The bad folio goes last, so a check made while freeing would already have freed the others.
        if (bad == BadEntry.WrongOrder)
        {
            folios.RemoveAt(folios.Count - 1);
        }

        folios.Add(badFolio);
        var before = Snapshot(rig, pages.Append(pair));
        rig.Log.Clear();

        var e = Assert.Throws<BadPageException>(() => rig.A.FreeUnrefFolios(0, [.. folios]));

        Assert.Equal(badFolio.Pfn, e.Pfn);
        Assert.Equal(before, Snapshot(rig, pages.Append(pair)));
        Assert.Empty(rig.Log.Events);
        Assert.Empty(rig.Log.Ops);
        rig.AssertAuditClean();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(PageAlloc.PagevecSize + 1)]
    public void A_batch_of_no_folios_or_more_than_pagevec_size_is_an_argument_error_naming_the_count(int n)
    {
        var rig = new Rig(DesignKind.Mainline, Zone, cpus: 2);
        var pages = rig.AllocMany(0, n);
        var before = Snapshot(rig, pages);
        rig.Log.Clear();

        var e = Assert.Throws<ArgumentException>(() => rig.FreeBatch(0, pages));

        Assert.Contains($"a batch of {n} folios", e.Message);
        Assert.Equal(before, Snapshot(rig, pages));
        Assert.Empty(rig.Log.Events);
        rig.AssertAuditClean();
    }

    /// <summary>What a batch could change: free and PCP counts, free calls, and the state of every page it names.</summary>
    private static string Snapshot(Rig rig, IEnumerable<long> pages) =>
        $"free {rig.Zone.NrFreePages}, pcp {string.Join(",", Enumerable.Range(0, rig.A.Cpus).Select(rig.A.PcpCount))}, " +
        $"frees {rig.A.Stats().Frees}, states {string.Join(",", pages.Select(p => rig.Page(p).State))}";
}
