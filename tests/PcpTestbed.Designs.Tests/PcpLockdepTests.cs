using PcpTestbed.Designs.Tests.Support;
using PcpTestbed.Model;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs.Tests;

/// <summary>
/// The PCP side of lockdep and check_new_page(): a PCP list is touched only by the CPU holding that PCP's pcp->lock
/// (a failure names the lock instance, the function, the CPU and the holder), and a chunk taken off a CPU's PCP list
/// must be a free head on that CPU's PCP.
/// </summary>
public class PcpLockdepTests
{
    [Theory]
    [MemberData(nameof(Rig.AllDesigns), MemberType = typeof(Rig))]
    public void A_page_on_a_pcp_list_that_says_it_is_on_another_cpus_pcp_is_a_bad_page_when_handed_out(DesignKind design)
    {
        var rig = new Rig(design);
        rig.Alloc(0);
        var corrupted = PcpPagesOf(rig, 0);
        Assert.NotEmpty(corrupted);
        foreach (var p in corrupted)
        {
            rig.Zone.Pages[p].Cpu = 1;
        }

        var e = Assert.Throws<BadPageException>(() => rig.A.Allocate(0, Rig.Movable, 0));

        Assert.Equal(BadPageReason.NotFree, e.Reason);
        Assert.Contains(rig.Rel(e.Pfn), corrupted);
        Assert.Contains("takes it off CPU 0's PCP but the page is an order-0 chunk on CPU 1's PCP", e.Message);
    }

    [Theory]
    [MemberData(nameof(Rig.AllDesigns), MemberType = typeof(Rig))]
    public void An_allocated_page_on_a_pcp_list_is_a_bad_page_when_handed_out(DesignKind design)
    {
        var rig = new Rig(design);
        rig.Alloc(0);
        foreach (var p in PcpPagesOf(rig, 0))
        {
            rig.Zone.Pages[p].State = PageState.Allocated;
        }

        var e = Assert.Throws<BadPageException>(() => rig.A.Allocate(0, Rig.Movable, 0));

        Assert.Contains("takes it off CPU 0's PCP but the page is allocated", e.Message);
    }

    [Fact]
    public void Taking_from_a_pcp_list_whose_lock_another_cpu_holds_is_a_lockdep_failure()
    {
        var rig = new Rig(DesignKind.Mainline, bugs: InjectedBug.IgnorePcpTrylockFailure);
        rig.Alloc(0);
        rig.SeizePcpLock(0, holder: 1);

        var e = Assert.Throws<LockdepException>(() => rig.A.Allocate(0, Rig.Movable, 0));

        Assert.StartsWith("lockdep_assert_held(&pcp->lock) failed in TakeFromPcpUnlocked: CPU 0 does not hold pcp->lock#0; CPU 1 holds it", e.Message);
    }

    [Fact]
    public void Draining_a_pcp_without_its_lock_is_a_lockdep_failure()
    {
        var rig = new Rig(DesignKind.Mainline, bugs: InjectedBug.DrainWithoutPcpLock);
        rig.Alloc(0);

        var e = Assert.Throws<LockdepException>(() => rig.A.DrainAllPages(1));

        Assert.Equal("lockdep_assert_held(&pcp->lock) failed in FreePcppagesBulk: CPU 1 does not hold pcp->lock#0; nobody holds it", e.Message);
    }

    [Fact]
    public void A_pcp_count_update_after_the_unlock_fails_lockdep_naming_the_lock_the_function_and_the_cpu()
    {
        var rig = new Rig(DesignKind.Pageblock, bugs: InjectedBug.RemoteCountUpdateOutsideLock);
        var pfn = rig.Alloc(0);

        var e = Assert.Throws<LockdepException>(() => rig.A.Free(1, pfn, 0));

        Assert.Equal("lockdep_assert_held(&pcp->lock) failed in CommitToPcp: CPU 1 does not hold pcp->lock#0; nobody holds it", e.Message);
    }

    [Theory]
    [MemberData(nameof(Rig.AllDesigns), MemberType = typeof(Rig))]
    public void A_pcp_high_update_by_a_cpu_that_does_not_hold_the_pcp_lock_fails_lockdep(DesignKind design)
    {
        var rig = new Rig(design);
        rig.SeizePcpLock(0, holder: 1);
        var exec = new CountingExecution(rig.Log);
        exec.OpBegin(0, AllocatorOp.Alloc, 0, 0);
        try
        {
            var high = rig.Pcp(0).High;

            var e = Assert.Throws<LockdepException>(() => rig.A.NrPcpHighForTest(0));

            Assert.Equal("lockdep_assert_held(&pcp->lock) failed in NrPcpHigh: CPU 0 does not hold pcp->lock#0; CPU 1 holds it (taken at rmqueue_pcplist)", e.Message);
            Assert.Equal(high, rig.Pcp(0).High);
        }
        finally
        {
            exec.OpEnd(0, 0);
            rig.ReleasePcpLock(0);
        }
    }

    [Theory]
    [MemberData(nameof(Rig.AllDesigns), MemberType = typeof(Rig))]
    public void The_correct_paths_pass_every_pcp_lockdep_check(DesignKind design)
    {
        var rig = new Rig(design);
        var pages = rig.AllocMany(0, 40);
        rig.FreeMany(1, pages.Take(20));
        rig.FreeMany(0, pages.Skip(20));
        rig.A.DecayPcpHigh(0);
        rig.A.DrainAllPages(2);
        rig.A.CpuDead(3, 0);

        rig.AssertAuditClean();
    }

    private static int[] PcpPagesOf(Rig rig, int cpu) =>
        Enumerable.Range(0, rig.Zone.PresentPages)
            .Where(p => rig.Zone.Pages[p].State is PageState.Pcp or PageState.PcpBuddy && rig.Zone.Pages[p].Cpu == cpu)
            .ToArray();
}
