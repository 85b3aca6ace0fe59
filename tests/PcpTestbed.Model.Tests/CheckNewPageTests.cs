using PcpTestbed.Model.Layout;
using static PcpTestbed.Model.Tests.TestZones;

namespace PcpTestbed.Model.Tests;

/// <summary>
/// check_new_page(): a chunk taken off a free list must be the free head that list holds, and a chunk handed out
/// must be one this allocation took off a list, with tails behind its head. Anything else is a bad page at once,
/// naming the pfn and the state found, before anything changes.
/// </summary>
public class CheckNewPageTests
{
    private const int Start = 0x100000;

    [Theory]
    [InlineData(PageState.Allocated, "allocated (order")]
    [InlineData(PageState.Tail, "a tail page inside another chunk")]
    [InlineData(PageState.Pcp, "on CPU 3's PCP")]
    public void A_chunk_on_a_free_list_that_is_not_free_is_a_bad_page_when_it_is_taken(PageState found, string described)
    {
        var zone = ZoneBuilder.Build(ZoneSpec.Parse("4M") with { StartPfn = Start });
        var order = PageAlloc.MaxPageOrder;
        var head = zone.FreeList(order, MigrateType.Movable).First;
        Assert.True(head >= 0, "the booted zone has a free order-10 movable chunk");
        zone.Pages[head].State = found;
        zone.Pages[head].Cpu = 3;
        var before = ZoneSnapshot.Take(zone);

        BadPageException e;
        using (zone.Locked())
        {
            e = Assert.Throws<BadPageException>(() => zone.RmqueueBuddyLocked(0, MigrateType.Movable, AllocFlags.WmarkLow));
        }

        Assert.Equal(BadPageReason.NotFree, e.Reason);
        Assert.Equal(zone.AbsolutePfn(head), e.Pfn);
        Assert.Contains($"pfn:{zone.AbsolutePfn(head):x}", e.Message);
        Assert.Contains("taken off free_area[10].free_list[Movable]", e.Message);
        Assert.Contains(described, e.Message);
        ZoneSnapshot.Take(zone).AssertSameAs(before);
    }

    [Fact]
    public void A_chunk_of_another_order_on_a_free_list_is_a_bad_page_when_it_is_taken()
    {
        var zone = ZoneBuilder.Build(ZoneSpec.Parse("4M") with { StartPfn = Start });
        var head = zone.FreeList(PageAlloc.MaxPageOrder, MigrateType.Movable).First;
        zone.Pages[head].Order = 3;

        using (zone.Locked())
        {
            var e = Assert.Throws<BadPageException>(() => zone.RmqueueBuddyLocked(0, MigrateType.Movable, AllocFlags.WmarkLow));
            Assert.Contains("an order-3 chunk on the Movable zone free list", e.Message);
        }
    }

    [Fact]
    public void Handing_out_a_page_that_is_allocated_is_a_bad_page()
    {
        var zone = AllAllocated(MigrateType.Movable);

        using (zone.Locked())
        {
            var e = Assert.Throws<BadPageException>(() => zone.PrepNewPage(4, 0, MigrateType.Movable));

            Assert.Equal(BadPageReason.NotFree, e.Reason);
            Assert.Equal(zone.AbsolutePfn(4), e.Pfn);
            Assert.Contains("handed out, but the page is allocated (order 0)", e.Message);
        }
    }

    [Fact]
    public void Handing_out_a_chunk_with_a_head_inside_it_is_a_bad_page_naming_that_page()
    {
        var zone = ZoneBuilder.Build(ZoneSpec.Parse("4M") with { StartPfn = Start });
        int pfn;
        using (zone.Locked())
        {
            pfn = zone.RmqueueBuddyLocked(2, MigrateType.Movable, AllocFlags.WmarkLow);
        }

        zone.Pages[pfn + 2].State = PageState.Allocated;

        var e = Assert.Throws<BadPageException>(() => zone.PrepNewPage(pfn, 2, MigrateType.Movable));

        Assert.Equal(zone.AbsolutePfn(pfn), e.Pfn);
        Assert.Contains($"pfn {zone.AbsolutePfn(pfn + 2):x} inside the chunk is allocated", e.Message);
    }

    [Fact]
    public void A_chunk_taken_off_a_free_list_and_handed_out_at_its_order_passes()
    {
        var zone = ZoneBuilder.Build(ZoneSpec.Parse("4M") with { StartPfn = Start });

        var pfn = zone.Alloc(3, MigrateType.Movable);

        Assert.Equal(PageState.Allocated, zone.Pages[pfn].State);
        AssertAuditClean(zone);
    }

    [Fact]
    public void Without_checks_a_zone_hands_out_what_it_is_given()
    {
        // A zone whose allocator runs on bare OS threads has no seam: check_new_page() is off, as without CONFIG_DEBUG_VM.
        var zone = AllAllocated(MigrateType.Movable);
        zone.AttachSeam(null);

        zone.PrepNewPage(4, 0, MigrateType.Movable);

        Assert.False(zone.Checked);
        Assert.Equal(PageState.Allocated, zone.Pages[4].State);
    }
}
