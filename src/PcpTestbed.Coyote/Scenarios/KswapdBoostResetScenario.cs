using PcpTestbed.Designs;
using PcpTestbed.Model;
using static PcpTestbed.Coyote.Scenarios.ScenarioHelpers;

namespace PcpTestbed.Coyote.Scenarios;

/// <summary>
/// KERNEL.md §2 (boost_watermark()) and §5 (ZONE_BELOW_HIGH, ZONE_RECLAIM_ACTIVE): a fallback that claims a block raises
/// zone->watermark_boost by a pageblock, a read-modify-write under zone->lock; kswapd (balance_pgdat()) sets
/// ZONE_RECLAIM_ACTIVE, reclaims (here: frees two order-8 chunks), resets the boost to 0 under zone->lock and clears the
/// flag. CPU 0's order-4 reclaimable allocation falls back and claims a movable block, then CPU 0 frees a page onto a PCP
/// at its high, whose bulk free ends by clearing ZONE_BELOW_HIGH if kswapd's reclaim has lifted the zone above its high
/// watermark. The boost starts at one pageblock (a claim in setup): run one after the other, the claim and the reset
/// leave it at 0 (claim, then reset) or one pageblock (reset, then claim); a reset lost to the boost in flight leaves
/// two, which the scenario's own invariant reports. The high watermark is raised (900 pages) so the boost's cap (high *
/// watermark_boost_factor / 10000) lies above two pageblocks and the zone starts below high.
/// </summary>
internal sealed class KswapdBoostResetScenario : Scenario
{
    public const string ScenarioName = "kswapd-boost-reset";

    /// <summary>The invariant this scenario adds, as its reports name it.</summary>
    public const string Invariant = "watermark-boost";

    private const int ClaimOrder = 4;

    private const int ReclaimOrder = PageAlloc.PageblockOrder - 1;

    /// <summary>Order-0 pages CPU 0's PCP is filled with in setup, so a free in the script reaches its high.</summary>
    private const int PcpPages = 64;

    public override string Name => ScenarioName;

    public override string Description =>
        "a fallback's boost_watermark() (a read-modify-write under zone->lock) races kswapd's balance_pgdat(): reclaim, the reset of the boost, " +
        "ZONE_RECLAIM_ACTIVE; the boost ends at 0 or one pageblock, never two";

    public override IReadOnlyList<DesignKind> Designs => AllDesigns;

    // 8M: four pageblocks, all movable. High raised to 900 pages: the boost may reach 1350, and the zone starts below high.
    public override ScenarioConfig Configure(DesignKind design) => new()
    {
        Cpus = 2,
        Zone = "8M",
        Watermarks = new Watermarks(Min: 90, Low: 112, High: 900, Promo: 1000),
    };

    public override ScenarioIteration Start(ScenarioRun run) => new Iteration(run);

    private sealed class Iteration(ScenarioRun run) : ScenarioIteration(run)
    {
        private readonly long[] _chunks = new long[5];
        private long _kept = -1;

        public override void Setup()
        {
            // Blocks 0 and 1 wholly allocated in order-8 chunks, block 2 half, block 3 whole; then one order-8 chunk of
            // each of blocks 0 and 1 freed (its buddy stays allocated): free movable chunks below pageblock order, and
            // no free block, so a fallback claims a block through try_to_claim_block(), which boosts.
            for (var i = 0; i < _chunks.Length; i++)
            {
                _chunks[i] = MustAlloc(Run, 0, Movable, ReclaimOrder);
            }

            MustAlloc(Run, 0, Movable, PageAlloc.PageblockOrder);
            Run.Free(0, _chunks[1], ReclaimOrder);
            Run.Free(0, _chunks[3], ReclaimOrder);

            // An unmovable order-4 request claims one of those blocks: the boost is one pageblock.
            MustAlloc(Run, 0, Gfp.Kernel, ClaimOrder);
            if (Run.Zone.WatermarkBoost != PageAlloc.PageblockNrPages)
            {
                Run.Fail($"[scenario] setup: the watermark boost is {Run.Zone.WatermarkBoost} after a fallback claim, expected {PageAlloc.PageblockNrPages}");
            }

            // CPU 0's PCP filled to its high, one page kept back for the script.
            var pages = new long[PcpPages];
            MustAllocEach(Run, 0, pages);
            foreach (var pfn in pages.Skip(1))
            {
                Run.Free(0, pfn, 0);
            }

            _kept = pages[0];
        }

        public override IReadOnlyList<CpuScript> Scripts() =>
        [
            new(0, "a reclaimable order-4 allocation that falls back and claims a movable block (boosts), then a free at high", () =>
            {
                Run.Alloc(0, Gfp.Kernel | Gfp.Reclaimable, ClaimOrder);
                Run.Free(0, _kept, 0);
            }),
            new(1, "kswapd: balance_pgdat() reclaims two order-8 chunks and resets the boost", () =>
            {
                Run.Do(1, "balance_pgdat(): set ZONE_RECLAIM_ACTIVE", () => Run.Zone.SetFlag(ZoneFlags.ReclaimActive));
                Run.Free(1, _chunks[0], ReclaimOrder);
                Run.Free(1, _chunks[2], ReclaimOrder);
                Run.Do(1, "balance_pgdat(): reset watermark_boost", () => Run.Allocator.ClearWatermarkBoost(1));
                Run.Do(1, "balance_pgdat(): clear ZONE_RECLAIM_ACTIVE", () => Run.Zone.ClearFlag(ZoneFlags.ReclaimActive));
            }),
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
