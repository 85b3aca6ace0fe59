using PcpTestbed.Designs.Tests.Support;
using PcpTestbed.Model;

namespace PcpTestbed.Designs.Tests.Mainline;

/// <summary>
/// Misuse through the allocator (free_pages_prepare()'s checks): a refused free throws
/// <see cref="BadPageException"/> naming the pfn, and changes nothing: the statistics, the PCPs and the
/// zone are as before, and the auditor stays clean. Run on every design, as the checks are shared.
/// </summary>
public class MisuseTests
{
    private static void AssertRefused(Rig rig, int cpu, long pfn, int order, params BadPageReason[] reasons)
    {
        var stats = rig.A.Stats();
        var counts = Enumerable.Range(0, rig.A.Cpus).Select(rig.A.PcpCount).ToArray();
        var nrFree = rig.Zone.NrFreePages;

        var ex = Assert.Throws<BadPageException>(() => rig.A.Free(cpu, pfn, order));

        Assert.Equal(pfn, ex.Pfn);
        Assert.Equal(order, ex.Order);
        Assert.Contains(ex.Reason, reasons);
        var after = rig.A.Stats();
        Assert.Equal(stats.Frees, after.Frees);
        Assert.Equal(stats.FreedPages, after.FreedPages);
        Assert.Equal(counts, Enumerable.Range(0, rig.A.Cpus).Select(rig.A.PcpCount).ToArray());
        Assert.Equal(nrFree, rig.Zone.NrFreePages);
        rig.AssertAuditClean();
    }

    [Theory]
    [MemberData(nameof(Rig.AllDesigns), MemberType = typeof(Rig))]
    public void A_second_free_of_a_page_sitting_on_a_pcp_is_refused(DesignKind design)
    {
        // A zone where a claimed pageblock (512 pages) stays under pcp->high, so the freed page stays on the PCP.
        var rig = new Rig(design, "1G", cpus: 2);
        var pfn = rig.Alloc(0);
        rig.A.Free(1, pfn, 0);
        Assert.True(rig.Page(pfn).State is PageState.Pcp or PageState.PcpBuddy);

        AssertRefused(rig, 1, pfn, 0, BadPageReason.DoubleFree);
        AssertRefused(rig, 0, pfn, 0, BadPageReason.DoubleFree);
    }

    [Theory]
    [MemberData(nameof(Rig.AllDesigns), MemberType = typeof(Rig))]
    public void A_second_free_of_a_page_in_the_buddy_is_refused(DesignKind design)
    {
        var rig = new Rig(design);
        var a = rig.Alloc(0, Rig.Movable, 4);
        var b = rig.Alloc(0, Rig.Movable, 4);
        Assert.Equal(rig.Rel(a) ^ 16, rig.Rel(b)); // buddies: a cannot merge while b is allocated
        rig.A.Free(0, a, 4);
        Assert.Equal(PageState.Buddy, rig.Page(a).State);

        AssertRefused(rig, 0, a, 4, BadPageReason.DoubleFree);
    }

    [Theory]
    [MemberData(nameof(Rig.AllDesigns), MemberType = typeof(Rig))]
    public void A_free_at_another_order_than_allocated_is_refused(DesignKind design)
    {
        var rig = new Rig(design);
        var pfn = rig.Alloc(0, Rig.Movable, 1);

        AssertRefused(rig, 0, pfn, 0, BadPageReason.WrongOrder);
        AssertRefused(rig, 0, pfn, 2, BadPageReason.WrongOrder, BadPageReason.Misaligned);
        rig.A.Free(0, pfn, 1);
        rig.AssertAuditClean();
    }

    [Theory]
    [MemberData(nameof(Rig.AllDesigns), MemberType = typeof(Rig))]
    public void A_free_with_an_order_above_max_page_order_is_refused(DesignKind design)
    {
        var rig = new Rig(design);
        var pfn = rig.Alloc(0, Rig.Movable, 10);

        AssertRefused(rig, 0, pfn, 11, BadPageReason.OrderOutOfRange);
    }

    [Theory]
    [MemberData(nameof(Rig.AllDesigns), MemberType = typeof(Rig))]
    public void A_free_of_a_tail_page_of_an_allocated_chunk_is_refused(DesignKind design)
    {
        var rig = new Rig(design);
        var pfn = rig.Alloc(0, Rig.Movable, 2);

        AssertRefused(rig, 0, pfn + 1, 0, BadPageReason.NotAllocated);
        AssertRefused(rig, 0, pfn + 2, 1, BadPageReason.NotAllocated);
    }

    [Theory]
    [MemberData(nameof(Rig.AllDesigns), MemberType = typeof(Rig))]
    public void A_free_outside_the_zone_is_refused(DesignKind design)
    {
        var rig = new Rig(design);
        rig.Alloc(0);

        AssertRefused(rig, 0, rig.Zone.AbsolutePfn(rig.Zone.PresentPages), 0, BadPageReason.OutsideZone);
        AssertRefused(rig, 0, -1, 0, BadPageReason.OutsideZone);
    }
}
