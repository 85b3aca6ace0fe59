using PcpTestbed.Model.Layout;

namespace PcpTestbed.Model.Tests;

/// <summary>
/// The per-list counts behind the sampled pagetypeinfo (free chunks per order and migratetype) are kept by the
/// free-list functions themselves, under zone->lock: after any mix of allocations (splits, claims that move whole
/// blocks' chunks to another type's lists, steals), frees (merges), highatomic reserves and unreserves, every count
/// equals a walk of its list.
/// </summary>
public class PagetypeinfoCounterTests
{
    private static readonly MigrateType[] RequestTypes = [MigrateType.Unmovable, MigrateType.Movable, MigrateType.Reclaimable];

    public static TheoryData<string, int> Shapes => new()
    {
        { "16M", 1 },
        { "16M,cma=60%", 2 },
        { "14M,unmovable=2@end,reclaimable=2@spread", 3 },
        // 256M caps the highatomic reserve at two blocks, so reserves and unreserves happen.
        { "256M,highatomic=1,unmovable=4@start,cma=4@end", 4 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Every_free_list_count_equals_a_walk_of_its_list_after_random_operations(string spec, int seed)
    {
        var zone = ZoneBuilder.Build(ZoneSpec.Parse(spec) with { Watermarks = new Watermarks(0, 0, 0, 0) });
        var rng = new Random(seed);
        var held = new List<(int Pfn, int Order)>();
        int allocations = 0, frees = 0, reserves = 0, unreserves = 0;
        AssertCountsMatchLists(zone, $"{spec}: the built zone");

        for (var step = 0; step < 6_000; step++)
        {
            var roll = rng.NextDouble();
            string done;
            if (roll < 0.02)
            {
                int moved;
                using (zone.Locked())
                {
                    moved = zone.UnreserveHighatomicPageblockLocked(RequestTypes[rng.Next(RequestTypes.Length)]);
                }

                unreserves += moved > 0 ? 1 : 0;
                done = $"unreserve ({moved} pages moved)";
            }
            else if (held.Count == 0 || roll < 0.55)
            {
                var order = rng.Next(10) < 7 ? rng.Next(4) : rng.Next(PageAlloc.NrPageOrders);
                var mt = RequestTypes[rng.Next(RequestTypes.Length)];
                var flags = AllocFlags.WmarkLow | (rng.Next(3) == 0 ? AllocFlags.Cma : 0) | (rng.Next(5) == 0 ? AllocFlags.NoFragment : 0)
                            | (rng.Next(8) == 0 ? AllocFlags.HighAtomic : 0);
                var pfn = zone.Alloc(order, mt, flags);
                done = $"order-{order} {mt} allocation with {flags}: pfn {pfn}";
                if (pfn >= 0)
                {
                    held.Add((pfn, order));
                    allocations++;
                    if (rng.Next(20) == 0 && order <= PageAlloc.PageblockOrder)
                    {
                        using (zone.Locked())
                        {
                            reserves += zone.ReserveHighatomicPageblockLocked(pfn, order) ? 1 : 0;
                        }

                        done += ", reserved";
                    }
                }
            }
            else
            {
                var i = rng.Next(held.Count);
                var (pfn, order) = held[i];
                held[i] = held[^1];
                held.RemoveAt(held.Count - 1);
                zone.Free(pfn, order);
                frees++;
                done = $"free of order-{order} pfn {pfn}";
            }

            AssertCountsMatchLists(zone, $"{spec} seed {seed} step {step}, after {done}");
        }

        // The run exercised what the counts must follow: splits and merges, moves between types' lists.
        Assert.True(allocations > 1_000 && frees > 1_000, $"{allocations} allocations, {frees} frees");
        Assert.True(zone.Events.Claims + zone.Events.Steals > 0, "no fallback moved chunks between types");
        if (spec.Contains("highatomic", StringComparison.Ordinal))
        {
            Assert.True(reserves > 0 && unreserves > 0, $"{reserves} reserves, {unreserves} unreserves");
        }
    }

    private static void AssertCountsMatchLists(Zone zone, string where)
    {
        for (var order = 0; order < PageAlloc.NrPageOrders; order++)
        {
            foreach (var mt in MigrateTypes.All())
            {
                var walked = zone.ListPfns(order, mt).Length;
                if (zone.NrFree(order, mt) != walked)
                {
                    Assert.Fail($"{where}: free_area[{order}].free_list[{MigrateTypes.KernelName(mt)}] holds {walked} chunks, its count says {zone.NrFree(order, mt)}");
                }
            }
        }
    }
}
