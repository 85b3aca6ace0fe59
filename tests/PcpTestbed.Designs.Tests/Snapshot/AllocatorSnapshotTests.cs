using PcpTestbed.Model;
using PcpTestbed.Model.Layout;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs.Tests.Snapshot;

/// <summary>
/// An allocator snapshot is the allocator's whole state: written back into a fresh allocator of the same design, CPUs and
/// zone spec, the auditor finds the same census, and the same single-threaded operations from there give the same pfns on
/// both (so the PCP lists, their order, the free lists' order, the block owners, the owned_blocks and remote-free lists, the
/// highatomic reserve and the online CPUs all came back).
/// </summary>
public class AllocatorSnapshotTests
{
    private const int Cpus = 4;

    private static readonly Gfp[] GfpMix =
    [
        Gfp.HighUserMovable, Gfp.HighUserMovable, Gfp.HighUserMovable, Gfp.Kernel, Gfp.Kernel | Gfp.Reclaimable,
        Gfp.Atomic, Gfp.Atomic | Gfp.Movable, Gfp.NoWait,
    ];

    private static readonly int[] OrderMix = [0, 0, 0, 0, 0, 1, 1, 2, 3, 9];

    /// <summary>Every design on a small zone with CPU hotplug and remote frees; every design with every highatomic variant on a zone with a reserve cap.</summary>
    public static IEnumerable<object[]> Cases()
    {
        foreach (var design in PcpTestbed.Designs.Designs.All)
        {
            yield return [design, "64M", HighatomicVariants.Default];
            foreach (var variant in HighatomicVariants.All)
            {
                yield return [design, "256M,unmovable=4@start,reclaimable=2@spread", variant];
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_restored_snapshot_audits_the_same_and_continues_with_the_same_pfns(DesignKind design, string spec, HighatomicVariant variant)
    {
        var original = Build(design, spec, variant);
        var rng = new Random(1000 + (int)design);
        var held = new List<(long Pfn, int Order)>();
        for (var step = 0; step < 3000; step++)
        {
            Step(original, rng, held);
        }

        var snapshot = original.SaveSnapshot();
        var census = original.Audit();
        Assert.True(census.IsClean, census.ToString());

        var restored = Build(design, spec, variant);
        Assert.NotEqual(census.Census, restored.Audit().Census); // the fresh allocator is not the original already
        restored.RestoreSnapshot(snapshot);
        var after = restored.Audit();
        Assert.True(after.IsClean, after.ToString());
        Assert.Equal(census.Census, after.Census);
        Assert.Equal(original.Zone.Pages, restored.Zone.Pages);
        Assert.All(Enumerable.Range(0, Cpus), c => Assert.Equal(original.IsOnline(c), restored.IsOnline(c)));

        // The same operations, from the same random state, on both: the same results, step by step.
        var rngOriginal = new Random(77);
        var rngRestored = new Random(77);
        var heldRestored = new List<(long Pfn, int Order)>(held);
        for (var step = 0; step < 2000; step++)
        {
            var a = Step(original, rngOriginal, held);
            var b = Step(restored, rngRestored, heldRestored);
            Assert.True(a == b, $"step {step}: the original gave {a}, the restored {b}");
        }

        Assert.Equal(original.Zone.Pages, restored.Zone.Pages);
        Assert.Equal(original.Audit().Census, restored.Audit().Census);
    }

    [Theory]
    [MemberData(nameof(PageblockOnly))]
    public void A_snapshot_keeps_block_owners_and_offline_cpus(DesignKind design)
    {
        var original = Build(design, "64M", HighatomicVariants.Default);
        var pfns = Enumerable.Range(0, 40).Select(_ => original.Allocate(1, Gfp.HighUserMovable, 0).Pfn).ToList();
        foreach (var pfn in pfns.Take(20))
        {
            original.Free(2, pfn, 0); // remote frees: routed to CPU 1's PCP, or its remote list
        }

        original.CpuDead(3, 0);
        var restored = Build(design, "64M", HighatomicVariants.Default);
        restored.RestoreSnapshot(original.SaveSnapshot());

        Assert.False(restored.IsOnline(3));
        Assert.Contains(restored.Zone.Blocks, b => b.Owner == 1);
        Assert.Equal(original.Zone.Blocks.Select(b => b.Owner), restored.Zone.Blocks.Select(b => b.Owner));
        Assert.Equal(original.Zone.Ownership!.Length(1), restored.Zone.Ownership!.Length(1));
        Assert.Equal(original.PcpCount(1), restored.PcpCount(1));
        Assert.Equal(original.Pcp(1), restored.Pcp(1));
    }

    public static IEnumerable<object[]> PageblockOnly() => PcpTestbed.Designs.Designs.All.Where(PcpTestbed.Designs.Designs.IsPageblock).Select(d => new object[] { d });

    [Fact]
    public void A_snapshot_taken_again_reuses_its_arrays()
    {
        var a = Build(DesignKind.Mainline, "64M", HighatomicVariants.Default);
        var first = a.SaveSnapshot();
        a.Allocate(0, Gfp.HighUserMovable, 0);
        var second = a.SaveSnapshot(first);
        Assert.Same(first, second);
        Assert.Equal(a.Zone.Pages, second.Zone.Pages);
    }

    [Fact]
    public void A_snapshot_of_another_design_or_zone_is_refused_and_changes_nothing()
    {
        var mainline = Build(DesignKind.Mainline, "64M", HighatomicVariants.Default);
        mainline.Allocate(0, Gfp.HighUserMovable, 0);
        var snapshot = mainline.SaveSnapshot();

        var pageblock = Build(DesignKind.Pageblock, "64M", HighatomicVariants.Default);
        var before = pageblock.Zone.Pages.ToArray();
        var e = Assert.Throws<ArgumentException>(() => pageblock.RestoreSnapshot(snapshot));
        Assert.Contains("mainline", e.Message);
        Assert.Equal(before, pageblock.Zone.Pages);

        var bigger = Build(DesignKind.Mainline, "128M", HighatomicVariants.Default);
        Assert.Throws<ArgumentException>(() => bigger.RestoreSnapshot(snapshot));
        Assert.Equal(bigger.Zone.PresentPages, bigger.Zone.NrFreePages + bigger.Zone.ReservedPages);
    }

    private static PageAllocator<DirectExecution> Build(DesignKind design, string spec, HighatomicVariant variant) =>
        AllocatorFactory.Create(design, ZoneBuilder.Build(ZoneSpec.Parse(spec)), new AllocatorConfig { Cpus = Cpus, Highatomic = variant }, new DirectExecution());

    /// <summary>One random operation (allocations, frees from any CPU, drains, decay, hotplug); its result: a pfn, or what it did.</summary>
    private static long Step(PageAllocator<DirectExecution> a, Random rng, List<(long Pfn, int Order)> held)
    {
        var online = Enumerable.Range(0, Cpus).Where(a.IsOnline).ToArray();
        var cpu = online[rng.Next(online.Length)];
        var roll = rng.Next(1000);
        var mustFree = held.Sum(h => 1L << h.Order) * 100 > a.Zone.PresentPages * 90L;
        if (roll < 520 && !mustFree)
        {
            var order = OrderMix[rng.Next(OrderMix.Length)];
            var r = a.Allocate(cpu, GfpMix[rng.Next(GfpMix.Length)], order);
            if (r.Succeeded)
            {
                held.Add((r.Pfn, order));
            }

            return r.Pfn;
        }

        if (roll < 950 || mustFree)
        {
            if (held.Count == 0)
            {
                return -2;
            }

            var i = rng.Next(held.Count);
            var (pfn, order) = held[i];
            held[i] = held[^1];
            held.RemoveAt(held.Count - 1);
            a.Free(cpu, pfn, order);
            return -3;
        }

        if (roll < 965)
        {
            a.DrainAllPages(cpu);
            return -4;
        }

        if (roll < 985)
        {
            a.DecayPcpHigh(cpu);
            return -5;
        }

        var offline = Enumerable.Range(0, Cpus).Where(c => !a.IsOnline(c)).ToArray();
        if (offline.Length > 0 && (online.Length == 1 || rng.Next(2) == 0))
        {
            a.CpuOnline(offline[rng.Next(offline.Length)], cpu);
            return -6;
        }

        if (online.Length > 1)
        {
            a.CpuDead(online.Where(c => c != cpu).ElementAt(rng.Next(online.Length - 1)), cpu);
            return -7;
        }

        return -8;
    }
}
