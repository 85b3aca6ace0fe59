using PcpTestbed.Designs.Tests.Support;
using PcpTestbed.Model;

namespace PcpTestbed.Designs.Tests.Pageblock;

/// <summary>KERNEL.md §7.4: after CPU offline no block is owned by the dead CPU and its PCP is empty; online again works.</summary>
public class PageblockHotplugTests
{
    [Theory]
    [MemberData(nameof(Rig.PageblockDesigns), MemberType = typeof(Rig))]
    public void Cpu_dead_releases_every_block_the_cpu_owned_and_empties_its_pcp_and_online_again_claims_afresh(DesignKind design)
    {
        var rig = new Rig(design, "1G", cpus: 3);
        var held = new List<(long Pfn, int Order)>();
        held.AddRange(rig.AllocMany(0, 600).Select(p => (p, 0)));
        held.AddRange(rig.AllocMany(0, 3, Rig.Unmovable, 2).Select(p => (p, 2)));
        held.AddRange(rig.AllocMany(0, 2, Rig.Reclaimable, 9).Select(p => (p, 9)));
        rig.FreeMany(1, held.Take(100).Select(h => h.Pfn)); // routed to CPU 0 (pending in the lock-free variant)
        held.RemoveRange(0, 100);
        rig.A.DrainAllPages(2);
        rig.FreeMany(2, held.Take(50).Select(h => h.Pfn));
        held.RemoveRange(0, 50);
        var owned = Enumerable.Range(0, rig.Zone.NrPageblocks).Where(b => rig.Owner(b) == 0).ToList();
        Assert.True(owned.Count >= 3, $"CPU 0 owns {owned.Count} blocks");

        rig.A.CpuDead(0, 1);

        Assert.Equal(0, rig.A.PcpCount(0));
        Assert.DoesNotContain(Enumerable.Range(0, rig.Zone.NrPageblocks), b => rig.Owner(b) == 0);
        Assert.Equal(0, rig.Zone.Ownership!.Length(0));
        Assert.Throws<InvalidOperationException>(() => rig.A.Allocate(0, Rig.Movable, 0));
        rig.AssertAuditClean();

        rig.A.CpuOnline(0, 0);
        var pfn = rig.Alloc(0);
        Assert.Equal(0, rig.Owner(rig.BlockOf(pfn)));
        Assert.DoesNotContain(rig.BlockOf(pfn), owned.Where(b => rig.Zone.Blocks[b].ZoneFree < PageAlloc.PageblockNrPages));
        held.Add((pfn, 0));

        foreach (var (p, order) in held)
        {
            rig.A.Free(2, p, order);
        }

        rig.A.DrainAllPages(1);
        Assert.Equal(rig.Zone.PresentPages, rig.Zone.NrFreePages);
        Assert.DoesNotContain(Enumerable.Range(0, rig.Zone.NrPageblocks), b => rig.Owner(b) >= 0);
        rig.AssertAuditClean();
    }
}
