using PcpTestbed.Designs;
using PcpTestbed.Model;
using static PcpTestbed.Coyote.Scenarios.ScenarioHelpers;

namespace PcpTestbed.Coyote.Scenarios;

/// <summary>
/// KERNEL.md §2 (boost_watermark()): a fallback that claims a block raises zone->watermark_boost by a pageblock, a
/// read-modify-write under zone->lock; kswapd resets the boost to 0 once the zone is balanced (balance_pgdat()),
/// under zone->lock too. CPU 0's order-4 reclaimable allocation falls back and claims a movable block while CPU 1
/// runs kswapd's reset; the boost starts at one pageblock (a claim in setup). Run one after the other, the two leave
/// the boost at 0 (boost, then reset) or at one pageblock (reset, then boost): a reset lost to the boost in flight
/// leaves two, which the scenario's own invariant reports. The high watermark is raised so the boost's cap (high *
/// watermark_boost_factor / 10000) lies above two pageblocks and cannot hide it.
/// </summary>
internal sealed class KswapdBoostResetScenario : Scenario
{
    public const string ScenarioName = "kswapd-boost-reset";

    /// <summary>The invariant this scenario adds, as its reports name it.</summary>
    public const string Invariant = "watermark-boost";

    private const int ClaimOrder = 4;

    public override string Name => ScenarioName;

    public override string Description =>
        "a fallback's boost_watermark() (a read-modify-write under zone->lock) races kswapd's reset of the boost: the boost ends at 0 or one pageblock, never two";

    public override IReadOnlyList<DesignKind> Designs => AllDesigns;

    // 8M: four pageblocks, all movable. High raised to 1000 pages: the boost may reach 1500.
    public override ScenarioConfig Configure(DesignKind design) => new()
    {
        Cpus = 2,
        Zone = "8M",
        Watermarks = new Watermarks(Min: 90, Low: 112, High: 1000, Promo: 1100),
    };

    public override ScenarioIteration Start(ScenarioRun run) => new Iteration(run);

    private sealed class Iteration(ScenarioRun run) : ScenarioIteration(run)
    {
        public override void Setup()
        {
            // Blocks 0 and 1 wholly allocated in order-8 chunks, block 2 half, block 3 whole; then one order-8 chunk of
            // each of blocks 0 and 1 freed (its buddy stays allocated): free movable chunks below pageblock order, and
            // no free block, so a fallback claims a block through try_to_claim_block(), which boosts.
            var chunks = new long[5];
            for (var i = 0; i < chunks.Length; i++)
            {
                chunks[i] = MustAlloc(Run, 0, Movable, PageAlloc.PageblockOrder - 1);
            }

            MustAlloc(Run, 0, Movable, PageAlloc.PageblockOrder);
            Run.Free(0, chunks[1], PageAlloc.PageblockOrder - 1);
            Run.Free(0, chunks[3], PageAlloc.PageblockOrder - 1);

            // An unmovable order-4 request claims one of those blocks: the boost is one pageblock.
            MustAlloc(Run, 0, Gfp.Kernel, ClaimOrder);
            if (Run.Zone.WatermarkBoost != PageAlloc.PageblockNrPages)
            {
                Run.Fail($"[scenario] setup: the watermark boost is {Run.Zone.WatermarkBoost} after a fallback claim, expected {PageAlloc.PageblockNrPages}");
            }
        }

        public override IReadOnlyList<CpuScript> Scripts() =>
        [
            new(0, "a reclaimable order-4 allocation that falls back and claims a movable block (boosts)", () =>
                Run.Alloc(0, Gfp.Kernel | Gfp.Reclaimable, ClaimOrder)),
            new(1, "kswapd: balance_pgdat() resets the boost", () =>
                Run.Do(1, "balance_pgdat(): reset watermark_boost", () => Run.Allocator.ClearWatermarkBoost(1))),
        ];

        public override string? CheckFinal()
        {
            var boost = Run.Zone.WatermarkBoost;
            return boost is 0 or PageAlloc.PageblockNrPages
                ? null
                : $"[{Invariant}] the boost is {boost} after a fallback's boost_watermark() and kswapd's reset: one of them was lost " +
                  $"(in either order the two leave 0 or {PageAlloc.PageblockNrPages})";
        }
    }
}
