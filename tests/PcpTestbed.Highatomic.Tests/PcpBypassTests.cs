using PcpTestbed.Designs;
using PcpTestbed.Model;

namespace PcpTestbed.Highatomic.Tests;

/// <summary>
/// Test 3, the PCP bypass of the Mar 2026 fix: an ALLOC_HIGHATOMIC request whose PCP list is empty does not
/// refill it; rmqueue() falls through to rmqueue_buddy(), which tries the HIGHATOMIC free lists first.
/// </summary>
public class PcpBypassTests
{
    private const string Spec = "256M,highatomic=2@start";

    public static TheoryData<HighatomicVariant, AllocPath, int> BypassCases()
    {
        var data = new TheoryData<HighatomicVariant, AllocPath, int>();
        foreach (var order in new[] { 1, 2, 3, PageAlloc.HpagePmdOrder })
        {
            // The slow path sets ALLOC_HIGHATOMIC in every variant since the fix.
            data.Add(HighatomicVariant.May2026, AllocPath.Slow, order);
            data.Add(HighatomicVariant.V2, AllocPath.Slow, order);
            data.Add(HighatomicVariant.V3, AllocPath.Slow, order);

            // The fast path sets it in v3 for every order above 0, in v2 for orders 1..3.
            data.Add(HighatomicVariant.V3, AllocPath.Fast, order);
            if (order <= PageAlloc.PageAllocCostlyOrder)
            {
                data.Add(HighatomicVariant.V2, AllocPath.Fast, order);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BypassCases))]
    public void An_atomic_request_with_an_empty_pcp_list_does_not_refill_it_and_takes_the_reserve_from_the_buddy(HighatomicVariant variant, AllocPath path, int order)
    {
        var s = Arrange(variant, path, order);
        var reserveBlocks = s.HighatomicBlocks();
        var before = s.Alloc.Stats();

        var pfn = s.Allocate(0, Gfp.Atomic, order);

        var after = s.Alloc.Stats();
        Assert.Equal(path == AllocPath.Slow ? 1 : 0, after.SlowpathAllocations - before.SlowpathAllocations);
        Assert.Equal(0, s.Alloc.PcpCount(0));
        Assert.Equal(before.Refills, after.Refills);
        Assert.Equal(0, after.PcpAllocations - before.PcpAllocations);
        Assert.Equal(1, after.BuddyAllocations - before.BuddyAllocations);
        Assert.Contains(s.BlockOf(pfn), reserveBlocks);
        s.AssertAuditClean();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(PageAlloc.HpagePmdOrder)]
    public void Pre202603_refills_an_empty_pcp_list_for_an_atomic_request_from_the_normal_lists(int order)
    {
        var s = Arrange(HighatomicVariant.Pre202603, AllocPath.Slow, order);
        var reserveBlocks = s.HighatomicBlocks();
        var before = s.Alloc.Stats();

        var pfn = s.Allocate(0, Gfp.Atomic, order);

        var after = s.Alloc.Stats();
        Assert.Equal(1, after.SlowpathAllocations - before.SlowpathAllocations);
        Assert.Equal(before.Refills + 1, after.Refills);
        Assert.Equal(after.RefillPages - before.RefillPages - (1L << order), s.Alloc.PcpCount(0));
        Assert.True(s.Alloc.PcpCount(0) > 0, "the refill left nothing on the list");
        Assert.Equal(1, after.PcpAllocations - before.PcpAllocations);
        Assert.Equal(0, after.BuddyAllocations - before.BuddyAllocations);
        Assert.DoesNotContain(s.BlockOf(pfn), reserveBlocks);
        s.AssertAuditClean();
    }

    /// <summary>The bypass is for an empty list only: a non-empty one serves the atomic request before the reserve, in every variant.</summary>
    [Theory]
    [InlineData(HighatomicVariant.Pre202603)]
    [InlineData(HighatomicVariant.May2026)]
    [InlineData(HighatomicVariant.V2)]
    [InlineData(HighatomicVariant.V3)]
    public void A_nonempty_pcp_list_serves_an_atomic_request_before_the_reserve(HighatomicVariant variant)
    {
        var s = Scenario.Create(Spec, variant, watermarks: Scenario.Wide256M);

        // GFP_KERNEL has no ALLOC_HIGHATOMIC: it refills the order-1 UNMOVABLE list and leaves chunks there.
        s.Allocate(0, Gfp.Kernel, 1);
        s.ForceSlowpath(1);
        var pcpBefore = s.Alloc.PcpCount(0);
        Assert.True(pcpBefore > 0, "setup: the list is empty");
        var reserveBlocks = s.HighatomicBlocks();
        var before = s.Alloc.Stats();

        var pfn = s.Allocate(0, Gfp.Atomic, 1);

        var after = s.Alloc.Stats();
        Assert.Equal(1, after.SlowpathAllocations - before.SlowpathAllocations);
        Assert.Equal(1, after.PcpAllocations - before.PcpAllocations);
        Assert.Equal(before.Refills, after.Refills);
        Assert.Equal(pcpBefore - 2, s.Alloc.PcpCount(0));
        Assert.DoesNotContain(s.BlockOf(pfn), reserveBlocks);
        s.AssertAuditClean();
    }

    private static Scenario Arrange(HighatomicVariant variant, AllocPath path, int order)
    {
        var s = Scenario.Create(Spec, variant, watermarks: Scenario.Wide256M);
        if (path == AllocPath.Slow)
        {
            s.ForceSlowpath(order);
        }

        Assert.Equal(0, s.Alloc.PcpCount(0));
        return s;
    }
}
