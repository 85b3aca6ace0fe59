using PcpTestbed.Designs.Tests.Support;
using PcpTestbed.Model;

namespace PcpTestbed.Designs.Tests.Mainline;

/// <summary>KERNEL.md §5: page_alloc_cpu_dead() drains the dead CPU's PCP and resizes the others (zone_pcp_update()).</summary>
public class MainlineHotplugTests
{
    [Fact]
    public void Cpu_dead_drains_its_pcp_resizes_high_for_the_cpus_left_and_refuses_its_allocations_until_online()
    {
        var rig = new Rig(DesignKind.Mainline);
        var held = rig.AllocMany(3, 20);
        Assert.True(rig.A.PcpCount(3) > 0);
        var zone = rig.Zone;
        var low = zone.WmarkPages(WatermarkKind.Low);

        rig.A.CpuDead(3, 0);

        Assert.False(rig.A.IsOnline(3));
        Assert.Equal(0, rig.A.PcpCount(3));
        Assert.Equal(zone.PresentPages - held.Count, zone.NrFreePages);
        var (highMin3, highMax3) = ZoneFormulas.PcpHigh(zone.ManagedPages, low, rig.Batch, 3);
        Assert.Equal((106, 682), (highMin3, highMax3)); // 320 / 3 and 2048 / 3
        for (var cpu = 0; cpu < 4; cpu++)
        {
            Assert.Equal(highMin3, rig.A.Pcp(cpu).HighMin);
            Assert.Equal(highMax3, rig.A.Pcp(cpu).HighMax);
        }

        Assert.Throws<InvalidOperationException>(() => rig.A.Allocate(3, Rig.Movable, 0));
        Assert.Throws<InvalidOperationException>(() => rig.A.Free(3, held[0], 0));
        rig.AssertAuditClean();

        rig.A.CpuOnline(3, 3);

        var (highMin4, highMax4) = ZoneFormulas.PcpHigh(zone.ManagedPages, low, rig.Batch, 4);
        Assert.Equal((80, 512), (highMin4, highMax4));
        Assert.Equal(highMin4, rig.A.Pcp(3).HighMin);
        Assert.Equal(highMax4, rig.A.Pcp(0).HighMax);
        Assert.Equal(0, rig.A.PcpCount(3));
        Assert.Equal(0, rig.A.Pcp(3).High);
        var pfn = rig.Alloc(3);
        Assert.Equal(rig.Batch - 1, rig.A.PcpCount(3));
        rig.A.Free(3, pfn, 0);
        rig.FreeMany(3, held);
        rig.A.DrainAllPages(3);
        Assert.Equal(zone.PresentPages, zone.NrFreePages);
        rig.AssertAuditClean();
    }
}
