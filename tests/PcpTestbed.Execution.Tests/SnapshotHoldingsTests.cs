using PcpTestbed.Designs;
using PcpTestbed.Execution.Cpus;
using PcpTestbed.Execution.Recorder;
using PcpTestbed.Model;
using PcpTestbed.Model.Layout;
using PcpTestbed.Model.Sync;
using Xunit;

namespace PcpTestbed.Execution.Tests;

/// <summary>
/// A reproduction file's holdings come from the allocator snapshot of the last clean audit (<see cref="ZoneHoldings.Of"/>,
/// derived when the flight recorder is read) instead of a second walk of the live zone at every audit: on the same state
/// they are the holdings <see cref="ZoneHoldings.Take"/> reads from the zone, field for field, for every design.
/// </summary>
public class SnapshotHoldingsTests
{
    public static TheoryData<DesignKind> AllDesigns => new(Designs.Designs.All);

    [Theory]
    [MemberData(nameof(AllDesigns))]
    public void The_holdings_derived_from_a_snapshot_are_the_ones_taken_from_the_zone(DesignKind design)
    {
        var allocator = RunAllocator(design);
        var taken = ZoneHoldings.Take(allocator.Zone);

        var derived = ZoneHoldings.Of(allocator.SaveSnapshot().Zone, allocator.Zone.StartPfn);

        AssertSameHoldings(taken, derived);
    }

    [Theory]
    [MemberData(nameof(AllDesigns))]
    public void The_recording_of_a_checkpoint_that_took_only_a_snapshot_carries_the_zones_holdings(DesignKind design)
    {
        var allocator = RunAllocator(design);
        var taken = ZoneHoldings.Take(allocator.Zone);
        var recorder = new FlightRecorder(new CpuActivityTable(2), 16);

        recorder.Checkpoint(allocator.SaveSnapshot(), allocator.Zone.StartPfn);

        AssertSameHoldings(taken, recorder.Read("[test] cut").Holdings!);
    }

    /// <summary>
    /// A 2-CPU allocator of <paramref name="design"/> on a zone that does not start at pfn 0, as a run might leave it at a
    /// clean audit: chunks of three orders and two migratetypes held (unmovable ones claiming movable blocks), pages on the
    /// PCPs, some freed by the other CPU. The state is checked to hold what the holdings record, so the comparison is not empty.
    /// </summary>
    private static PageAllocator<DirectExecution> RunAllocator(DesignKind design)
    {
        var spec = ZoneSpec.Parse("64M") with { StartPfn = 1 << 18 };
        var allocator = AllocatorFactory.Create(design, ZoneBuilder.Build(spec), new AllocatorConfig { Cpus = 2, Highatomic = HighatomicVariants.Default }, new DirectExecution());
        var movable = Enumerable.Range(0, 300).Select(_ => allocator.Allocate(0, Gfp.HighUserMovable, 0).Pfn).ToList();
        var unmovable = Enumerable.Range(0, 40).Select(i => allocator.Allocate(0, Gfp.Kernel, i % 2 == 0 ? 1 : 3)).ToList();
        for (var i = 0; i < movable.Count; i += 3)
        {
            allocator.Free(i % 2, movable[i], 0);
        }

        for (var i = 0; i < unmovable.Count; i += 4)
        {
            allocator.Free(1, unmovable[i].Pfn, i % 2 == 0 ? 1 : 3);
        }

        var holdings = ZoneHoldings.Take(allocator.Zone);
        Assert.True(holdings.PcpPages > 0, "no page on a PCP");
        Assert.Equal(3, holdings.Held.Select(h => h.Order).Distinct().Count());
        Assert.Contains((int)MigrateType.Unmovable, holdings.BlockTypes);
        Assert.All(holdings.Held, h => Assert.True(h.Pfn >= spec.StartPfn));
        return allocator;
    }

    private static void AssertSameHoldings(ZoneHoldings expected, ZoneHoldings actual)
    {
        Assert.Equal(expected.Held, actual.Held);
        Assert.Equal(expected.BlockTypes, actual.BlockTypes);
        Assert.Equal(
            (expected.NrReservedHighatomic, expected.WatermarkBoost, expected.NrFreePages, expected.PcpPages),
            (actual.NrReservedHighatomic, actual.WatermarkBoost, actual.NrFreePages, actual.PcpPages));
    }
}
