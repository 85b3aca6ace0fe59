using PcpTestbed.Designs.Tests.Support;
using PcpTestbed.Model;

namespace PcpTestbed.Designs.Tests.Pageblock;

/// <summary>
/// KERNEL.md §6 and §7.4: owned_blocks holds exactly the owner's blocks that have fragments in the zone
/// buddy, once each. A drain adds a block; refill phase 0 of the block's migratetype recovers its fragments
/// and removes it; so does any other path that empties the block's zone-free pages.
/// </summary>
public class OwnedBlocksTests
{
    private static (Rig Rig, long Pfn, int Block) OwnedBlockWithFragmentsInZone(DesignKind design)
    {
        var rig = new Rig(design, "1G", cpus: 2);
        var pfn = rig.Alloc(0);
        var block = rig.BlockOf(pfn);

        // The drain's merge pass finds nothing to merge (the head is allocated): 511 pages go to the zone as fragments.
        rig.A.DrainAllPages(0);

        Assert.Equal(0, rig.A.Stats().PcpMerges);
        Assert.Equal(PageAlloc.PageblockNrPages - 1, rig.Zone.Blocks[block].ZoneFree);
        Assert.Equal(0, rig.Owner(block));
        Assert.Equal(block, rig.Zone.Ownership!.First(0));
        Assert.Equal(1, rig.Zone.Ownership.Length(0));
        return (rig, pfn, block);
    }

    [Theory]
    [MemberData(nameof(Rig.PageblockDesigns), MemberType = typeof(Rig))]
    public void A_drain_that_frees_part_of_an_owned_block_lists_it_in_owned_blocks_once_and_a_whole_block_leaves_it(DesignKind design)
    {
        var rig = new Rig(design, "1G", cpus: 2);
        var pages = rig.AllocMany(0, 3);
        var block = rig.BlockOf(pages[0]);
        Assert.All(pages, p => Assert.Equal(block, rig.BlockOf(p)));
        Assert.Equal(0, rig.Zone.Ownership!.Length(0));

        rig.A.DrainAllPages(0);
        Assert.Equal(PageAlloc.PageblockNrPages - 3, rig.Zone.Blocks[block].ZoneFree);
        Assert.Equal(block, rig.Zone.Ownership.First(0));
        Assert.Equal(1, rig.Zone.Ownership.Length(0));

        // A second partial drain of the listed block: still listed once.
        rig.A.Free(1, pages[1], 0);
        rig.A.DrainAllPages(1);
        Assert.Equal(PageAlloc.PageblockNrPages - 2, rig.Zone.Blocks[block].ZoneFree);
        Assert.Equal(block, rig.Zone.Ownership.First(0));
        Assert.Equal(1, rig.Zone.Ownership.Length(0));
        Assert.Equal(-1, OwnedBlockLists.Next(rig.Zone.Blocks, block));

        // The last pages come back: the block is whole in the zone, released and off the list.
        rig.A.Free(1, pages[0], 0);
        rig.A.Free(0, pages[2], 0);
        rig.A.DrainAllPages(1);
        Assert.Equal(-1, rig.Owner(block));
        Assert.Equal(0, rig.Zone.Ownership.Length(0));
        Assert.Equal(1, rig.A.Stats().OwnershipReleases);
        Assert.Equal(rig.Zone.PresentPages, rig.Zone.NrFreePages);
        rig.AssertAuditClean();
    }

    [Theory]
    [MemberData(nameof(Rig.PageblockDesigns), MemberType = typeof(Rig))]
    public void Phase0_recovers_an_owned_blocks_fragments_on_the_next_refill_of_its_type_and_skips_it_for_other_types(DesignKind design)
    {
        var (rig, _, block) = OwnedBlockWithFragmentsInZone(design);

        // An unmovable refill skips the movable block (it claims a block of its own).
        var unmovable = rig.Alloc(0, Rig.Unmovable);
        Assert.NotEqual(block, rig.BlockOf(unmovable));
        Assert.Equal(MigrateType.Unmovable, rig.BlockType(unmovable));
        var stats = rig.A.Stats();
        Assert.Equal(0, stats.PagesByPhase[0]);
        Assert.Equal(2, stats.RefillsByPhase[1]);
        Assert.Equal(block, rig.Zone.Ownership!.First(0));
        Assert.Equal(1, rig.Zone.Ownership.Length(0));

        // The movable refill recovers all 511 fragments as PCP buddies and claims nothing new.
        var movable = rig.Alloc(0);

        stats = rig.A.Stats();
        Assert.Equal(block, rig.BlockOf(movable));
        Assert.Equal(PageAlloc.PageblockNrPages - 1, stats.PagesByPhase[0]);
        Assert.Equal(1, stats.RefillsByPhase[0]);
        Assert.Equal(2, stats.RefillsByPhase[1]);
        Assert.Equal(0, rig.Zone.Ownership.Length(0));
        Assert.Equal(0, rig.Zone.Blocks[block].ZoneFree);
        var start = block << PageAlloc.PageblockOrder;
        for (var p = start + 2; p < start + PageAlloc.PageblockNrPages; p++)
        {
            ref var page = ref rig.Zone.Pages[p];
            Assert.True(page.State is PageState.PcpBuddy or PageState.Tail, $"page {p} is {page.State}");
            if (page.State == PageState.PcpBuddy)
            {
                Assert.Equal(0, page.Cpu);
            }
        }

        rig.AssertAuditClean();
    }

    [Theory]
    [MemberData(nameof(Rig.PageblockDesigns), MemberType = typeof(Rig))]
    public void Another_cpu_allocating_an_owned_blocks_fragments_from_the_buddy_removes_it_from_owned_blocks(DesignKind design)
    {
        var (rig, _, block) = OwnedBlockWithFragmentsInZone(design);
        rig.SeizePcpLock(1, holder: 0); // CPU 1's PCP is busy: its orders 1..3 go to rmqueue_buddy too

        // The fragments are the only free chunks below pageblock order: one of each order 0..8.
        var taken = new List<(long Pfn, int Order)>();
        for (var order = 0; order < PageAlloc.PageblockOrder; order++)
        {
            var pfn = rig.Alloc(1, Rig.Movable, order);
            Assert.Equal(block, rig.BlockOf(pfn));
            taken.Add((pfn, order));
            Assert.Equal(order < PageAlloc.PageblockOrder - 1 ? 1 : 0, rig.Zone.Ownership!.Length(0));
        }

        rig.ReleasePcpLock(1);
        Assert.Equal(4, rig.A.Stats().PcpAllocTrylockFailures);
        Assert.Equal(0, rig.Zone.Blocks[block].ZoneFree);
        Assert.Equal(-1, rig.Zone.Ownership!.First(0));
        Assert.Equal(0, rig.Owner(block));
        rig.AssertAuditClean();

        // Freed by CPU 1, orders 0..3 still route to the owner; orders 4..8 go straight to the buddy.
        foreach (var (pfn, order) in taken)
        {
            rig.A.Free(1, pfn, order);
        }

        Assert.Equal(0, rig.A.PcpCount(1));
        rig.AssertAuditClean();
    }
}
