using System.Reflection;
using PcpTestbed.Model.Audit;
using static PcpTestbed.Model.Tests.TestZones;

namespace PcpTestbed.Model.Tests;

/// <summary>The auditor can fail: each deliberate corruption is reported under its rule at its pfn.</summary>
public class AuditorTests
{
    private const int Start = 0x40000;

    /// <summary>One movable block at absolute pfn 0x40000, all allocated at order 0.</summary>
    private static Zone Zone1() => AllAllocated([MigrateType.Movable], startPfn: Start);

    private static Violation Reported(Zone zone, AuditRule rule, string messagePart)
    {
        var report = ZoneAuditor.Audit(zone);
        Assert.False(report.IsClean);
        var match = report.Violations.FirstOrDefault(v => v.Rule == rule && v.Message.Contains(messagePart));
        Assert.True(match != null, $"expected a {rule} violation mentioning '{messagePart}', got: {report}");
        return match!;
    }

    [Fact]
    public void A_consistent_zone_audits_clean_and_the_census_adds_up()
    {
        var zone = Zone1();
        zone.FreePages(0, 100);

        var report = ZoneAuditor.Audit(zone);

        Assert.True(report.IsClean, report.ToString());
        Assert.Equal(new PageCensus(100, 0, Block - 100, 0), report.Census);
    }

    [Fact]
    public void An_orphaned_tail_page_breaks_single_state_at_its_pfn()
    {
        var zone = Zone1();
        zone.Pages[7].State = PageState.Tail; // page 7 was an allocated order-0 head: now nobody's

        var v = Reported(zone, AuditRule.SingleState, "tail page outside any chunk");

        Assert.Equal(Start + 7, v.Pfn);
        Assert.Contains($"pfn:{Start + 7:x}", v.ToString());
    }

    [Fact]
    public void A_free_list_page_whose_tag_names_no_migratetype_is_reported_not_thrown()
    {
        // A broken list's page (found by a reproduction's search, 2026-12-07: the report's type name indexed past the names).
        var zone = Zone1();
        zone.FreePages(10, 1);
        var head = zone.FreeList(0, MigrateType.Movable).First;
        zone.Pages[head].Tag = 200;

        var v = Reported(zone, AuditRule.Counters, "type an unknown type (200)");

        Assert.Equal(Start + head, v.Pfn);
    }

    [Fact]
    public void A_page_on_two_free_lists_breaks_single_state_at_its_pfn()
    {
        var zone = Zone1();
        zone.FreePages(10, 1);
        PageList.AddHead(zone.Pages, ref zone.FreeList(0, MigrateType.Unmovable), 10);

        var v = Reported(zone, AuditRule.SingleState, "on two free lists");

        Assert.Equal(Start + 10, v.Pfn);
    }

    [Fact]
    public void A_head_inside_another_chunk_breaks_single_state_at_the_inner_head()
    {
        var zone = Zone1();
        zone.FreePages(8, 8); // an order-3 free chunk at 8
        zone.Pages[12] = new Page { State = PageState.Allocated, Order = 0 };

        var v = Reported(zone, AuditRule.SingleState, "a page in two states");

        Assert.Equal(Start + 12, v.Pfn);
    }

    [Fact]
    public void An_nr_free_off_by_one_breaks_the_counters_rule_naming_the_order()
    {
        var zone = Zone1();
        zone.FreePages(0, 4);
        var nrFree = (long[])typeof(Zone).GetField("_nrFree", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(zone)!;
        nrFree[2]++;

        var v = Reported(zone, AuditRule.Counters, "free_area[2].nr_free is 2, its lists hold 1");

        Assert.Equal(-1, v.Pfn); // a counter has no pfn
    }

    [Fact]
    public void An_nr_free_pages_off_by_one_breaks_the_counters_rule()
    {
        var zone = Zone1();
        zone.FreePages(0, 4);
        using (zone.Locked())
        {
            zone.AccountFreepages(1, MigrateType.Movable);
        }

        var v = Reported(zone, AuditRule.Counters, "NR_FREE_PAGES is 5, the free lists hold 4");

        Assert.Equal(-1, v.Pfn);
    }

    [Fact]
    public void An_nr_free_cma_pages_off_breaks_the_counters_rule()
    {
        var zone = AllAllocated([MigrateType.Cma], startPfn: Start);
        zone.FreePages(0, 4);
        using (zone.Locked())
        {
            zone.AccountFreepages(-1, MigrateType.Cma);
        }

        Reported(zone, AuditRule.Counters, "NR_FREE_CMA_PAGES is 3, the free lists hold 4");
    }

    [Fact]
    public void A_free_chunk_on_another_types_list_breaks_free_shape_at_its_pfn()
    {
        var zone = Zone1();
        zone.FreePages(2, 2); // order 1 at 2; its buddy 0-1 stays allocated
        using (zone.Locked())
        {
            zone.MoveToFreeList(2, 1, MigrateType.Movable, MigrateType.Unmovable);
        }

        var v = Reported(zone, AuditRule.FreeShape, "on the Unmovable list, but its block is Movable");

        Assert.Equal(Start + 2, v.Pfn);
    }

    [Fact]
    public void Two_free_buddies_left_unmerged_break_free_shape_at_the_lower_pfn()
    {
        var zone = Zone1();
        using (zone.Locked())
        {
            foreach (var p in new[] { 0, 1 })
            {
                zone.AddToFreeList(p, 0, MigrateType.Movable, tail: false);
                zone.AccountFreepages(1, MigrateType.Movable);
            }
        }

        var v = Reported(zone, AuditRule.FreeShape, "did not merge");

        Assert.Equal(Start, v.Pfn);
        Assert.Contains($"pfn:{Start + 1:x}", v.Message);
    }

    [Fact]
    public void A_buddy_page_on_no_list_is_reported_lost_at_its_pfn()
    {
        var zone = Zone1();
        zone.Pages[20].State = PageState.Buddy;

        var v = Reported(zone, AuditRule.SingleState, "on no free list (lost)");

        Assert.Equal(Start + 20, v.Pfn);
    }

    [Fact]
    public void A_highatomic_block_that_is_not_counted_breaks_the_highatomic_rule()
    {
        var zone = AllAllocated(Blocks(128, MigrateType.Movable), startPfn: Start);
        using (zone.Locked())
        {
            zone.SetPageblockMigratetype(5 * Block, MigrateType.HighAtomic);
        }

        var v = Reported(zone, AuditRule.Highatomic, "nr_reserved_highatomic is 0, the zone has 1 HIGHATOMIC blocks");

        Assert.Equal(-1, v.Pfn);
    }

    [Fact]
    public void A_reserve_counted_without_a_highatomic_block_breaks_the_highatomic_rule()
    {
        var zone = AllAllocated(Blocks(128, MigrateType.Movable), startPfn: Start);
        using (zone.Locked())
        {
            zone.InitReservedHighatomic(Block);
        }

        Reported(zone, AuditRule.Highatomic, "nr_reserved_highatomic is 512, the zone has 0 HIGHATOMIC blocks");
    }

    [Fact]
    public void A_reserve_over_the_cap_breaks_the_highatomic_rule()
    {
        var types = Blocks(128, MigrateType.Movable);
        types[1] = types[3] = types[5] = MigrateType.HighAtomic; // the cap of 65536 pages is 1024: two blocks
        var zone = AllAllocated(types, startPfn: Start);

        Reported(zone, AuditRule.Highatomic, "exceeds the cap 1024");
    }

    [Fact]
    public void A_reserve_that_passed_the_cap_and_came_back_under_it_breaks_the_highatomic_rule()
    {
        // The cap of 65536 pages is 1024: two blocks. Three reserved without the recheck under zone->lock (the injected
        // bug's path), then one given back: under the cap again at the audit, over it in between.
        var zone = AllAllocated(Blocks(128, MigrateType.Movable), startPfn: Start);
        foreach (var b in new[] { 1, 3, 5 })
        {
            zone.FreePages((b * Block) + 3, 1);
        }

        using (zone.Locked())
        {
            foreach (var b in new[] { 1, 3, 5 })
            {
                Assert.True(zone.ReserveHighatomicPageblockLocked((b * Block) + 3, 0, recheckCap: false));
            }

            Assert.True(zone.UnreserveHighatomicPageblockLocked(MigrateType.Movable) > 0);
        }

        Assert.Equal(1024, zone.NrReservedHighatomic);
        Reported(zone, AuditRule.Highatomic, "nr_reserved_highatomic reached 1536, over the cap 1024, and is 1024 now");
    }

    [Fact]
    public void A_reserve_kept_to_its_cap_leaves_the_highatomic_rule_clean()
    {
        var zone = AllAllocated(Blocks(128, MigrateType.Movable), startPfn: Start);
        foreach (var b in new[] { 1, 3, 5 })
        {
            zone.FreePages((b * Block) + 3, 1);
        }

        using (zone.Locked())
        {
            Assert.True(zone.ReserveHighatomicPageblockLocked((1 * Block) + 3, 0));
            Assert.True(zone.ReserveHighatomicPageblockLocked((3 * Block) + 3, 0));
            Assert.False(zone.ReserveHighatomicPageblockLocked((5 * Block) + 3, 0), "the recheck under zone->lock stops the third");
            Assert.True(zone.UnreserveHighatomicPageblockLocked(MigrateType.Movable) > 0);
        }

        Assert.Equal(1024, zone.NrReservedHighatomicPeak);
        Assert.DoesNotContain(ZoneAuditor.Audit(zone).Violations, v => v.Rule == AuditRule.Highatomic);
    }

    [Fact]
    public void A_wrong_block_zone_free_count_breaks_the_counters_rule_at_the_blocks_first_pfn()
    {
        var zone = AllAllocated([MigrateType.Movable, MigrateType.Movable], startPfn: Start);
        zone.FreePages(Block + 3, 1);
        zone.Blocks[1].ZoneFreePages++;

        var v = Reported(zone, AuditRule.Counters, "pageblock 1 counts 2 zone-free pages, its free chunks hold 1");

        Assert.Equal(Start + Block, v.Pfn);
    }

    [Fact]
    public void A_chunk_left_in_flight_breaks_single_state_at_its_pfn()
    {
        var zone = Zone1();
        zone.FreePages(40, 8);
        int pfn;
        using (zone.Locked())
        {
            pfn = zone.RmqueueBuddyLocked(2, MigrateType.Movable, AllocFlags.WmarkLow); // taken, never prep_new_page()d
        }

        var v = Reported(zone, AuditRule.SingleState, "in flight");

        Assert.Equal(Start + pfn, v.Pfn);
    }

    [Fact]
    public void A_pcp_page_with_no_design_to_account_for_it_breaks_single_state()
    {
        var zone = Zone1();
        zone.Pages[30].State = PageState.Pcp;

        var v = Reported(zone, AuditRule.SingleState, "no design audited them");

        Assert.Equal(Start + 30, v.Pfn);
    }

    [Fact]
    public void A_free_list_link_that_does_not_point_back_breaks_the_counters_rule()
    {
        var zone = Zone1();
        zone.FreePages(100, 1);
        zone.FreePages(200, 1);
        zone.Pages[100].PrevLink = 0; // 100 follows 200 on the list, but no longer says so

        var v = Reported(zone, AuditRule.Counters, "prev link does not point back");

        Assert.Equal(Start + 100, v.Pfn);
    }

    [Fact]
    public void An_owner_on_a_zone_without_ownership_breaks_the_ownership_rule_at_the_block()
    {
        var zone = AllAllocated([MigrateType.Movable, MigrateType.Movable], startPfn: Start);
        zone.Blocks[1].Word = Pageblock.Compose(MigrateType.Movable, owner: 3);

        var v = Reported(zone, AuditRule.Ownership, "owned by CPU 3");

        Assert.Equal(Start + Block, v.Pfn);
    }
}
