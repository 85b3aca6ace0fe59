using PcpTestbed.Designs;
using PcpTestbed.Model;
using Xunit.Abstractions;

namespace PcpTestbed.Highatomic.Tests;

/// <summary>
/// Test 7: a seeded udp-like run per variant, single-threaded over 4 CPUs. CPUs 0 and 1 receive: each packet
/// is an order-1 GFP_ATOMIC allocation. CPUs 2 and 3 consume: each frees the oldest packet, so every page is
/// freed on another CPU than it was allocated on. Page cache (movable filler) keeps the free pages the fast
/// path may count (free minus free highatomic) near the low watermark: reclaim frees some of it back when
/// they sink, and it grows again when they rise. The zone starts with two reserve blocks and a cap of six.
/// </summary>
public class UdpRunTests(ITestOutputHelper output)
{
    private const string Spec = "1G,highatomic=2";
    private const int Seed = 20260617;
    private const int Steps = 20_000;
    private const int MaxInflightPackets = 128;
    private const int PressureEverySteps = 64;
    private const int PressureBandPages = 64;
    private const int PageCacheOrder = 4;

    [Theory]
    [InlineData(HighatomicVariant.Pre202603)]
    [InlineData(HighatomicVariant.May2026)]
    [InlineData(HighatomicVariant.V2)]
    [InlineData(HighatomicVariant.V3)]
    public void A_udp_receive_run_under_pressure_shows_each_variants_reserve_behaviour(HighatomicVariant variant)
    {
        var (s, rxFailures, pressureChecks) = Run(variant);
        var stats = s.Alloc.Stats();
        var cap = s.Zone.HighatomicMaxPages;
        Print(variant, s, stats, rxFailures, pressureChecks);

        // The run was what it claims: many packets, every page returned. (The pressure is set up by FillTo, which
        // checks that free pages less the reserve's sit at low; in v2 and v3 the atomic traffic then lives on the
        // reserve, so they stay there.)
        Assert.True(stats.Allocations > Steps / 4, $"only {stats.Allocations} allocations");
        s.AssertAuditClean();

        switch (variant)
        {
            case HighatomicVariant.Pre202603:
                Assert.True(stats.SlowpathAllocations > 0, "no slow-path allocation");

                // Runaway: PCP-served order-1 atomics reserve block after block.
                Assert.Equal(cap, stats.HighatomicReservedMax);
                Assert.Equal(cap, stats.HighatomicReservedEnd);
                break;
            case HighatomicVariant.May2026:
                Assert.True(stats.SlowpathAllocations > 0, "no slow-path allocation");

                // The fast path never uses the reserve it skips.
                Assert.Equal(0, stats.HighatomicFastpathHits);
                Assert.True(stats.HighatomicMisses > 0, "no fast-path misses while the reserve had free chunks");
                Assert.Equal(stats.HighatomicReservedStart, stats.HighatomicReservedMax);
                break;
            default:
                // The fast path counts the reserve's free pages (ALLOC_HIGHATOMIC is one of ALLOC_RESERVES) and takes them first.
                Assert.True(stats.HighatomicFastpathHits > 0, "the fast path never used the reserve");
                Assert.Equal(stats.HighatomicReservedStart, stats.HighatomicReservedMax);
                break;
        }

        // Order-1 requests never grow the reserve after the May 2026 gate: whatever it holds was there at the start.
        if (variant != HighatomicVariant.Pre202603)
        {
            Assert.Equal(0, stats.HighatomicReserveEvents);
        }
    }

    private static (Scenario Scenario, long RxFailures, int PressureChecksAtOrBelowLow) Run(HighatomicVariant variant)
    {
        var s = Scenario.Create(Spec, variant, cpus: 4);
        Assert.True(s.Zone.NrReservedHighatomic < s.Zone.HighatomicMaxPages, "setup: the reserve must have room to grow");
        var rng = new Random(Seed);
        var inflight = new Queue<long>();
        long rxFailures = 0;
        var pressureChecksAtOrBelowLow = 0;

        // Page cache fills the zone until the free pages a request without reserve rights may count sit at low.
        s.FillTo(s.Zone.NrFreeHighatomic + s.Zone.WmarkPages(WatermarkKind.Low), cpu: 2);

        for (var step = 0; step < Steps; step++)
        {
            var cpu = rng.Next(4);
            if (cpu < 2)
            {
                if (inflight.Count < MaxInflightPackets)
                {
                    var result = s.Alloc.Allocate(cpu, Gfp.Atomic, 1);
                    if (result.Succeeded)
                    {
                        inflight.Enqueue(result.Pfn);
                    }
                    else
                    {
                        rxFailures++;
                    }
                }
            }
            else if (inflight.Count > 0)
            {
                s.Alloc.Free(cpu, inflight.Dequeue(), 1);
            }

            if (step % PressureEverySteps == 0 && KeepNearLow(s))
            {
                pressureChecksAtOrBelowLow++;
            }
        }

        while (inflight.Count > 0)
        {
            s.Alloc.Free(2, inflight.Dequeue(), 1);
        }

        return (s, rxFailures, pressureChecksAtOrBelowLow);
    }

    /// <summary>
    /// Reclaim frees page cache while countable free pages are below low - band; page cache grows back while they
    /// are above low + band. Returns whether they were at or below low: a request without reserve rights would
    /// have failed the fast path.
    /// </summary>
    private static bool KeepNearLow(Scenario s)
    {
        long Countable() => s.Zone.NrFreePages - s.Zone.NrFreeHighatomic;
        var low = s.Zone.WmarkPages(WatermarkKind.Low);
        var underPressure = Countable() <= low;

        // Bounded: each round frees or allocates one 16-page chunk of a finite zone.
        for (var round = 0; round < s.Zone.PresentPages >> PageCacheOrder && Countable() < low - PressureBandPages; round++)
        {
            if (s.ReleaseOneFiller() == 0)
            {
                break;
            }
        }

        for (var round = 0; round < s.Zone.PresentPages >> PageCacheOrder && Countable() > low + PressureBandPages; round++)
        {
            if (!s.AllocateFiller(PageCacheOrder, cpu: 2))
            {
                break;
            }
        }

        return underPressure;
    }

    private void Print(HighatomicVariant variant, Scenario s, AllocatorStats stats, long rxFailures, int pressureChecks)
    {
        output.WriteLine($"udp run, variant {HighatomicVariants.Name(variant)}, zone {Spec}, seed {Seed}, {Steps} steps, " +
                         $"free pages (less free highatomic) at or below low in {pressureChecks} of {Steps / PressureEverySteps} pressure checks");
        output.WriteLine($"  allocations {stats.Allocations} (pcp {stats.PcpAllocations}, buddy {stats.BuddyAllocations}, slow path {stats.SlowpathAllocations}), rx failures {rxFailures}");
        output.WriteLine($"  refills {stats.Refills} ({stats.RefillPages} pages), bulk frees {stats.BulkFrees}, claims {stats.Claims}, steals {stats.Steals}");
        output.WriteLine($"  highatomic fast-path hits {stats.HighatomicFastpathHits}, misses {stats.HighatomicMisses}");
        output.WriteLine($"  reserved start {stats.HighatomicReservedStart}, max {stats.HighatomicReservedMax}, end {stats.HighatomicReservedEnd} (cap {s.Zone.HighatomicMaxPages}), " +
                         $"reserve events {stats.HighatomicReserveEvents}, unreserve events {stats.HighatomicUnreserveEvents}");
        output.WriteLine($"  pages served by block type: {string.Join(", ", Enum.GetValues<MigrateType>().Select(mt => $"{MigrateTypes.KernelName(mt)} {stats.SourcePages[(int)mt]}"))}");
    }
}
