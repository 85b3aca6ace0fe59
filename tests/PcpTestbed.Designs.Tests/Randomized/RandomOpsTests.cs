using PcpTestbed.Model;
using PcpTestbed.Model.Audit;
using PcpTestbed.Model.Layout;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs.Tests.Randomized;

/// <summary>
/// Seeded random single-threaded operation sequences over 4 CPUs: allocations of orders 0-3 and 9 with mixed
/// gfp (GFP_ATOMIC included), frees from random CPUs, drain_all_pages(), decay_pcp_high(), reclaim pressure
/// flags, CPU death and return. The auditor runs every <see cref="AuditEvery"/> steps; at the end everything
/// is freed and drained, and the zone must be whole again. A failure names the seed and the step, so it replays.
/// </summary>
public class RandomOpsTests
{
    private const int Cpus = 4;
    private const int Steps = 5000;
    private const int AuditEvery = 250;

    private static readonly Gfp[] GfpMix =
    [
        Gfp.HighUserMovable, Gfp.HighUserMovable, Gfp.HighUserMovable, Gfp.Kernel, Gfp.Kernel | Gfp.Reclaimable,
        Gfp.Atomic, Gfp.Atomic | Gfp.Movable, Gfp.NoWait,
    ];

    private static readonly int[] OrderMix = [0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 9];

    public static IEnumerable<object[]> Cases()
    {
        // Each seed its own zone and memory pressure: the last ones push allocations into the slow path and
        // its highatomic rules (a 256 MiB zone has a reserve cap of two blocks).
        (string Spec, int HeldPercentMax, int AllocPermille)[] cases =
        [
            ("64M", 75, 480),
            ("64M,cma=25%@end", 95, 560),
            ("256M,unmovable=4@start,reclaimable=2@spread", 99, 640),
        ];
        foreach (var design in PcpTestbed.Designs.Designs.All)
        {
            for (var seed = 1; seed <= cases.Length; seed++)
            {
                yield return [design, cases[seed - 1].Spec, cases[seed - 1].HeldPercentMax, cases[seed - 1].AllocPermille, seed];
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Random_operations_keep_every_invariant_and_give_every_page_back(DesignKind design, string spec, int heldPercentMax, int allocPermille, int seed)
    {
        var zone = ZoneBuilder.Build(ZoneSpec.Parse(spec));
        // Across designs and seeds, every highatomic variant runs.
        var variant = HighatomicVariants.All.ElementAt((seed + (int)design) % HighatomicVariants.All.Count());
        // CONFIG_DEBUG_VM's checks on: they must hold on every design, whatever the operations.
        var debugVm = new VmWarnings();
        var alloc = AllocatorFactory.Create(design, zone, new AllocatorConfig { Cpus = Cpus, Highatomic = variant, DebugVm = debugVm }, new DirectExecution());
        var rng = new Random(seed * 7919 + (int)design);
        var held = new List<(long Pfn, int Order)>();
        long heldPages = 0;

        for (var step = 0; step < Steps; step++)
        {
            var online = Enumerable.Range(0, Cpus).Where(alloc.IsOnline).ToArray();
            var cpu = online[rng.Next(online.Length)];
            var roll = rng.Next(1000);

            // Now and then a CPU's pcp->lock is held elsewhere (a remote drain): trylocks on it fail this step.
            var busy = rng.Next(20) == 0 ? rng.Next(Cpus) : -1;
            if (busy >= 0 && roll < 920)
            {
                DirectExecution.Seize(ref alloc.PcpRef(busy).Lock, (busy + 1) % Cpus);
            }

            var mustFree = heldPages * 100 > (long)zone.PresentPages * heldPercentMax;
            if (roll < allocPermille && !mustFree)
            {
                var order = OrderMix[rng.Next(OrderMix.Length)];
                var r = alloc.Allocate(cpu, GfpMix[rng.Next(GfpMix.Length)], order);
                if (r.Succeeded)
                {
                    held.Add((r.Pfn, order));
                    heldPages += 1L << order;
                }
            }
            else if (roll < 920 || mustFree)
            {
                if (held.Count > 0)
                {
                    var i = rng.Next(held.Count);
                    var (pfn, order) = held[i];
                    held[i] = held[^1];
                    held.RemoveAt(held.Count - 1);
                    heldPages -= 1L << order;
                    alloc.Free(cpu, pfn, order);
                }
            }
            else if (roll < 945)
            {
                alloc.DrainAllPages(cpu);
            }
            else if (roll < 980)
            {
                alloc.DecayPcpHigh(cpu);
            }
            else if (roll < 990)
            {
                var flag = rng.Next(2) == 0 ? ZoneFlags.ReclaimActive : ZoneFlags.BelowHigh;
                if (zone.TestFlag(flag))
                {
                    zone.ClearFlag(flag);
                }
                else
                {
                    zone.SetFlag(flag);
                }
            }
            else
            {
                var offline = Enumerable.Range(0, Cpus).Where(c => !alloc.IsOnline(c)).ToArray();
                if (offline.Length > 0 && (online.Length == 1 || rng.Next(2) == 0))
                {
                    alloc.CpuOnline(offline[rng.Next(offline.Length)], cpu); // run on a live CPU, as the hotplug thread does
                }
                else if (online.Length > 1)
                {
                    var dead = online.Where(c => c != cpu).ElementAt(rng.Next(online.Length - 1));
                    alloc.CpuDead(dead, cpu);
                }
            }

            if (busy >= 0 && roll < 920)
            {
                DirectExecution.Release(ref alloc.PcpRef(busy).Lock);
            }

            if (step % AuditEvery == AuditEvery - 1)
            {
                AssertClean(alloc.Audit(), seed, step);
                Assert.Equal(heldPages, alloc.Stats().HeldPages);
            }
        }

        Assert.True(alloc.Stats().Allocations > Steps / 4, $"seed {seed}: only {alloc.Stats().Allocations} allocations succeeded");
        var last = Enumerable.Range(0, Cpus).First(alloc.IsOnline);
        foreach (var (pfn, order) in held)
        {
            alloc.Free(last, pfn, order);
        }

        alloc.DrainAllPages(last);

        Assert.Equal(zone.PresentPages, zone.NrFreePages);
        Assert.All(Enumerable.Range(0, Cpus), c => Assert.Equal(0, alloc.PcpCount(c)));
        Assert.DoesNotContain(zone.Blocks, b => b.Owner >= 0);
        AssertClean(alloc.Audit(), seed, Steps);
        Assert.True(debugVm.Reports == 0, $"seed {seed}: {string.Join("; ", debugVm.Messages)}");
    }

    private static void AssertClean(AuditReport report, int seed, int step) =>
        Assert.True(report.IsClean, $"seed {seed}, step {step}: {report}");
}
