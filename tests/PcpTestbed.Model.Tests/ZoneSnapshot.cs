using System.Runtime.InteropServices;

namespace PcpTestbed.Model.Tests;

/// <summary>Every byte of a zone's page and block arrays, its free list heads and its counters.</summary>
internal sealed record ZoneSnapshot(byte[] Pages, byte[] Blocks, long[] Counters, int[] ListEnds)
{
    public static ZoneSnapshot Take(Zone zone)
    {
        var counters = new List<long>
        {
            zone.NrFreePages, zone.NrFreeCmaPages, zone.NrFreeHighatomic, zone.NrReservedHighatomic, zone.WatermarkBoost,
        };
        var ends = new List<int>();
        for (var order = 0; order < PageAlloc.NrPageOrders; order++)
        {
            counters.Add(zone.NrFree(order));
            foreach (var mt in MigrateTypes.All())
            {
                ref var list = ref zone.FreeList(order, mt);
                ends.Add(list.First);
                ends.Add(list.Last);
            }
        }

        return new ZoneSnapshot(
            MemoryMarshal.AsBytes(zone.Pages.AsSpan()).ToArray(),
            MemoryMarshal.AsBytes(zone.Blocks.AsSpan()).ToArray(),
            counters.ToArray(),
            ends.ToArray());
    }

    public void AssertSameAs(ZoneSnapshot other)
    {
        Assert.True(Pages.AsSpan().SequenceEqual(other.Pages), "page metadata changed");
        Assert.True(Blocks.AsSpan().SequenceEqual(other.Blocks), "pageblock data changed");
        Assert.Equal(Counters, other.Counters);
        Assert.Equal(ListEnds, other.ListEnds);
    }
}
