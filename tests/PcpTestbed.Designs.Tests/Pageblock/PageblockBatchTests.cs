using PcpTestbed.Designs.Tests.Support;
using PcpTestbed.Model;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs.Tests.Pageblock;

/// <summary>
/// free_unref_folios() on the pageblock designs (this emulation's inference; the RFC posts no batched path): each
/// page goes to its block's owner, so a batch is grouped by owner as a kernel implementation would group it, with
/// one trylock on the owner's pcp->lock per group, groups in order of first appearance; unowned pages join the local
/// PCP's group; the lock-free variant pushes remote pages and locks only its own PCP. The 2 GiB zone with 3 CPUs has
/// high_min 657, more than a pageblock, so no bulk free gets in the way. Also: the relock between two chunks of a
/// routed free's bulk free takes the owner's PCP back.
/// </summary>
public class PageblockBatchTests
{
    private const string Zone = "2G";

    public static IEnumerable<object[]> LockingDesigns() =>
    [
        [DesignKind.Pageblock],
        [DesignKind.PageblockCmaFix],
    ];

    [Theory]
    [MemberData(nameof(LockingDesigns))]
    public void A_batch_takes_each_owners_pcp_lock_once_per_owner_group_in_order_of_first_appearance(DesignKind design)
    {
        var rig = new Rig(design, Zone, cpus: 3);
        var (batch, byOwner) = InterleavedBatch(rig);
        rig.Log.Clear();

        rig.FreeBatch(0, batch);

        // The batch starts with CPU 1's page, then CPU 0's, then CPU 2's: one trylock each, in that order.
        Assert.Equal([(LockSite.PcpRemoteFreeBatch, 1), (LockSite.PcpFreeBatch, 0), (LockSite.PcpRemoteFreeBatch, 2)],
            rig.Log.Events.Where(e => e.Class == LockClass.Pcp).Select(e => (e.Site, e.Instance)));
        Assert.All(rig.Log.Events.Where(e => e.Class == LockClass.Pcp), e => Assert.Equal((0, LockAttempt.TryLockTaken), (e.Cpu, e.Attempt)));
        var stats = rig.A.Stats();
        Assert.Equal(3, stats.FreeBatchPcpLocks);
        Assert.Equal(0, stats.BulkFrees);
        Assert.Equal(byOwner[1].Count + byOwner[2].Count, stats.RemoteFrees);
        foreach (var (owner, pages) in byOwner)
        {
            // Within a group, batch order: each page went to its list's head, so the list holds them newest first.
            var listed = rig.PcpList(owner, rig.Page(pages[0]).Tag).Where(p => pages.Contains(rig.Zone.AbsolutePfn(p))).ToList();
            Assert.Equal(pages.Select(rig.Rel).Reverse(), listed);
            Assert.All(pages, p => Assert.Equal(PageState.PcpBuddy, rig.Page(p).State));
        }

        rig.AssertAuditClean();
    }

    [Fact]
    public void The_lock_free_variant_pushes_remote_pages_and_locks_only_its_own_pcp()
    {
        var rig = new Rig(DesignKind.PageblockLockFree, Zone, cpus: 3);
        var (batch, byOwner) = InterleavedBatch(rig);
        var counts = (rig.A.PcpCount(1), rig.A.PcpCount(2));
        rig.Log.Clear();

        rig.FreeBatch(0, batch);

        Assert.Equal([(LockSite.PcpFreeBatch, 0)], rig.Log.Events.Where(e => e.Class == LockClass.Pcp).Select(e => (e.Site, e.Instance)));
        Assert.Equal(1, rig.A.Stats().FreeBatchPcpLocks);
        Assert.Equal(byOwner[1].Count + byOwner[2].Count, rig.A.Stats().RemoteFrees);

        // The pushed pages wait on the owners' remote lists until the owners take their locks.
        Assert.Equal(counts, (rig.A.PcpCount(1), rig.A.PcpCount(2)));
        rig.AssertAuditClean();
    }

    [Theory]
    [MemberData(nameof(Rig.PageblockDesigns), MemberType = typeof(Rig))]
    public void Unowned_pages_join_the_local_pcps_group(DesignKind design)
    {
        var rig = new Rig(design, Zone, cpus: 3);

        // CPU 2's pages lose their owner when it dies: page_alloc_cpu_dead() releases its blocks.
        var unowned = rig.AllocMany(2, 4);
        rig.A.CpuDead(2, 1);
        Assert.All(unowned, p => Assert.Equal(-1, rig.Owner(rig.BlockOf(p))));
        var owned = rig.AllocMany(0, 4);
        rig.Log.Clear();

        rig.FreeBatch(0, unowned.Zip(owned, (u, o) => new[] { u, o }).SelectMany(x => x));

        Assert.Equal([(LockSite.PcpFreeBatch, 0)], rig.Log.Events.Where(e => e.Class == LockClass.Pcp).Select(e => (e.Site, e.Instance)));
        Assert.All(unowned, p => Assert.Equal(PageState.Pcp, rig.Page(p).State));
        Assert.All(owned, p => Assert.Equal(PageState.PcpBuddy, rig.Page(p).State));
        rig.AssertAuditClean();
    }

    [Theory]
    [MemberData(nameof(LockingDesigns))]
    public void A_failed_trylock_on_an_owners_pcp_frees_that_folio_to_the_buddy_and_the_next_folio_tries_again(DesignKind design)
    {
        var rig = new Rig(design, Zone, cpus: 3);
        var pages = rig.AllocMany(1, 6);
        var count = rig.A.PcpCount(1);
        rig.Log.Clear();

        // CPU 1 holds its own pcp->lock for CPU 0's first trylock only.
        rig.SeizePcpLock(1, 1);
        rig.Log.AfterLock = e =>
        {
            if (!e.Acquired && e.Class == LockClass.Pcp)
            {
                rig.ReleasePcpLock(1);
            }
        };

        rig.FreeBatch(0, pages);

        Assert.Equal(1, rig.Log.FailedTrylocks(LockClass.Pcp, LockSite.PcpRemoteFreeBatch, cpu: 0, instance: 1));
        Assert.Equal(1, rig.Log.Acquisitions(LockClass.Pcp, LockSite.PcpRemoteFreeBatch, cpu: 0, instance: 1));
        Assert.Equal(1, rig.Log.Acquisitions(LockClass.Zone, LockSite.TrylockFallbackFree));
        Assert.Equal(1, rig.A.Stats().RemoteFreeFallbacks);
        Assert.Equal(5, rig.A.Stats().RemoteFrees);
        Assert.Equal(count + 5, rig.A.PcpCount(1));
        rig.AssertAuditClean();
    }

    [Theory]
    [MemberData(nameof(LockingDesigns))]
    public void The_relock_between_chunks_of_a_routed_frees_bulk_free_takes_the_owners_pcp_back(DesignKind design)
    {
        // 64 MiB, 4 CPUs: batch 3, high 80. CPU 1 claimed a block and holds the rest of it on its PCP, above high, so
        // the first frees to it bulk free (a large remainder chunk soon empties the PCP); then the freed pages fill it
        // to high again with free_count grown, and that bulk free needs many chunks.
        var rig = new Rig(design, "64M", cpus: 4);
        var pages = rig.AllocMany(1, 200);
        Assert.True(rig.A.PcpCount(1) > 80, "CPU 1's PCP holds the rest of its block");
        rig.Log.Clear();

        // Only even pfns: their buddies stay allocated, so the merge pass cannot fold the freed pages away.
        foreach (var p in pages.Where(p => rig.Rel(p) % 2 == 0))
        {
            rig.A.Free(0, p, 0);
        }

        var relocks = rig.Log.Events.Where(e => e.Site == LockSite.PcpFreeRelock).ToList();
        Assert.NotEmpty(relocks);
        Assert.All(relocks, e => Assert.Equal((0, LockClass.Pcp, 1, LockAttempt.TryLockTaken), (e.Cpu, e.Class, e.Instance, e.Attempt)));
        Assert.Equal(relocks.Count, rig.A.Stats().FreeCommitRelocks);
        Assert.False(rig.Pcp(1).Lock.IsHeld);
        rig.AssertAuditClean();
    }

    /// <summary>
    /// Four pages each of CPUs 1, 0 and 2 (each owns the block it claimed), interleaved 1, 0, 2, 1, 0, 2, ...: the
    /// batch CPU 0 frees, and the pages by owner in batch order.
    /// </summary>
    private static (List<long> Batch, Dictionary<int, List<long>> ByOwner) InterleavedBatch(Rig rig)
    {
        var byOwner = new Dictionary<int, List<long>> { [1] = rig.AllocMany(1, 4), [0] = rig.AllocMany(0, 4), [2] = rig.AllocMany(2, 4) };
        foreach (var (owner, pages) in byOwner)
        {
            Assert.All(pages, p => Assert.Equal(owner, rig.Owner(rig.BlockOf(p))));
        }

        var batch = Enumerable.Range(0, 4).SelectMany(i => new[] { byOwner[1][i], byOwner[0][i], byOwner[2][i] }).ToList();
        return (batch, byOwner);
    }
}
