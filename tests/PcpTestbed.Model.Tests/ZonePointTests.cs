using PcpTestbed.Model.Sync;
using static PcpTestbed.Model.Tests.TestZones;

namespace PcpTestbed.Model.Tests;

/// <summary>
/// The zone's scheduling points (issue 14, items 2 and 3): every free-list operation, pageblock word write, owned_blocks
/// edit, zone flag bit and counter that racy readers read is a point, named for its object and site; a point sits after
/// the caller chose what it acts on and before it acts, so a CPU in the same critical section without zone->lock can
/// come between and be seen; a read-modify-write reads before its point, so a write in between is lost, as on hardware.
/// </summary>
public class ZonePointTests
{
    [Fact]
    public void Freeing_a_chunk_makes_one_write_point_per_free_list_operation_on_its_free_area()
    {
        var (zone, seam) = Recorded(AllAllocated(MigrateType.Movable));
        zone.FreePages(0, 1);
        seam.Points.Clear();

        // Page 1's buddy, page 0, is free: one merge (a deletion at order 0), then the order-1 chunk is added.
        using (zone.Locked())
        {
            zone.Pages[1].State = PageState.InFlight;
            zone.FreeOnePageLocked(1, 0);
        }

        Assert.Equal(
            [
                new ZonePoint(true, SharedLocation.FreeArea(0), AccessSite.FreeListDel),
                new ZonePoint(true, SharedLocation.FreeArea(1), AccessSite.FreeListAdd),
            ],
            seam.Points);
    }

    [Fact]
    public void A_chunk_another_cpu_takes_between_the_choice_and_the_unlink_is_a_bad_page()
    {
        var (zone, seam) = Recorded(AllAllocated(MigrateType.Movable));
        zone.FreePages(0, 1);

        // At the unlink's point another CPU, inside the same critical section without zone->lock, takes the chunk.
        seam.AtPoint = p =>
        {
            if (p.Site == AccessSite.FreeListDel)
            {
                zone.DelFromFreeList(0, 0, MigrateType.Movable);
            }
        };

        using (zone.Locked())
        {
            var e = Assert.Throws<BadPageException>(() => zone.RmqueueSmallest(0, MigrateType.Movable));

            Assert.Contains("taken off free_area[0].free_list[Movable] but the page is in flight", e.Message);
        }
    }

    [Fact]
    public void A_pageblock_word_write_is_a_write_point_on_that_pageblock()
    {
        var (zone, seam) = Recorded(AllAllocated(MigrateType.Movable, MigrateType.Movable));
        zone.EnableOwnership(2);

        using (zone.Locked())
        {
            zone.SetPageblockMigratetype(Block + 3, MigrateType.Unmovable);
            zone.ClaimBlockOwnership(1, 0);
        }

        Assert.Equal(
            [
                new ZonePoint(true, SharedLocation.Pageblock(1), AccessSite.SetPageblockMigratetype),
                new ZonePoint(true, SharedLocation.Pageblock(1), AccessSite.SetPageblockOwner),
            ],
            seam.Points);
    }

    [Fact]
    public void An_owned_block_linked_onto_owned_blocks_is_a_write_point_on_its_owners_list()
    {
        var (zone, seam) = Recorded(AllAllocated(MigrateType.Movable));
        zone.EnableOwnership(2);
        zone.FreePages(0, 1);
        seam.Points.Clear();

        using (zone.Locked())
        {
            zone.ClaimBlockOwnership(0, 1);
        }

        Assert.Contains(new ZonePoint(true, SharedLocation.OwnedBlocks(1), AccessSite.OwnedBlocksAdd), seam.Points);
        Assert.Equal(0, zone.Ownership!.First(1));
    }

    [Fact]
    public void Zone_flags_are_set_and_cleared_at_write_points_and_tested_at_read_points()
    {
        var (zone, seam) = Recorded(AllAllocated(MigrateType.Movable));

        zone.SetFlag(ZoneFlags.BelowHigh, AccessSite.AllocBelowHighSet);
        var set = zone.TestFlag(ZoneFlags.BelowHigh, AccessSite.NrPcpHighBelowHigh);
        zone.ClearFlag(ZoneFlags.BelowHigh, AccessSite.FreeCommitBelowHighClear);

        Assert.True(set);
        Assert.False(zone.TestFlag(ZoneFlags.BelowHigh));
        Assert.Equal(
            [
                new ZonePoint(true, SharedLocation.ZoneFlags, AccessSite.AllocBelowHighSet),
                new ZonePoint(false, SharedLocation.ZoneFlags, AccessSite.NrPcpHighBelowHigh),
                new ZonePoint(true, SharedLocation.ZoneFlags, AccessSite.FreeCommitBelowHighClear),
            ],
            seam.Points);
    }

    [Fact]
    public void A_pageblock_read_without_zone_lock_is_a_read_point_at_the_readers_site()
    {
        var (zone, seam) = Recorded(AllAllocated(MigrateType.Movable, MigrateType.Unmovable));

        var mt = zone.GetPageblockMigratetype(Block + 5, AccessSite.FreeMigratetype);

        Assert.Equal(MigrateType.Unmovable, mt);
        Assert.Equal([new ZonePoint(false, SharedLocation.Pageblock(1), AccessSite.FreeMigratetype)], seam.Points);
    }

    [Fact]
    public void A_boost_reset_between_the_boosts_read_and_its_write_is_lost()
    {
        var (zone, seam) = Recorded(AllAllocated(Blocks(4, MigrateType.Movable), new Watermarks(10, 20, 2000, 2100)));
        using (zone.Locked())
        {
            zone.BoostWatermark();
        }

        // kswapd's reset slips in at the boost's write point, as it could without zone->lock: the boost read 512 before it.
        seam.AtPoint = p =>
        {
            if (p.Site == AccessSite.BoostWatermark)
            {
                zone.ResetWatermarkBoost();
            }
        };
        using (zone.Locked())
        {
            zone.BoostWatermark();
        }

        Assert.Equal(2L * Block, zone.WatermarkBoost);
        Assert.Contains(new ZonePoint(true, SharedLocation.ZoneWatermarkBoost, AccessSite.KswapdBoostReset), seam.Points);
    }

    [Fact]
    public void The_highatomic_reserve_grows_at_a_write_point()
    {
        // 200 pageblocks: 1% of the zone is two blocks, so the reserve may grow.
        var zone = AllAllocated(Blocks(200, MigrateType.Movable));
        var seam = new RecordingZoneSeam();
        zone.AttachSeam(seam);

        using (zone.Locked())
        {
            Assert.True(zone.ReserveHighatomicPageblockLocked(0, 4));
        }

        Assert.Contains(new ZonePoint(true, SharedLocation.ZoneHighatomic, AccessSite.HighatomicReserveAdd), seam.Points);
    }

    private static (Zone Zone, RecordingZoneSeam Seam) Recorded(Zone zone)
    {
        var seam = new RecordingZoneSeam();
        zone.AttachSeam(seam);
        return (zone, seam);
    }
}
