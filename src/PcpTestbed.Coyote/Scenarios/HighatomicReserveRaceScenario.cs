using PcpTestbed.Designs;
using PcpTestbed.Model;

namespace PcpTestbed.Coyote.Scenarios;

/// <summary>
/// KERNEL.md §4 and §7.6: reserve_highatomic_pageblock() checks the cap racily, then again under zone->lock;
/// unreserve_highatomic_pageblock() gives blocks back. Two CPUs make non-blocking __GFP_HIGH order-4
/// allocations from different blocks (one unmovable, one movable), which reach the slow path and may each
/// reserve their block, while a third makes a blocking allocation that fails and forces an unreserve.
/// The zone is the smallest with a reserve (200M: a cap of one block); the watermarks are raised so that the
/// fast path fails while the atomic slow path, with its reserves, succeeds.
/// </summary>
internal sealed class HighatomicReserveRaceScenario : Scenario
{
    public const string ScenarioName = "highatomic-reserve-race";

    private const int AtomicOrder = 4;

    public override string Name => ScenarioName;

    public override string Description =>
        "two CPUs' atomic order-4 slow-path allocations race to reserve highatomic blocks (cap: one) while a failing GFP_KERNEL allocation forces unreserves";

    public override IReadOnlyList<DesignKind> Designs => ScenarioHelpers.AllDesigns;

    public override ScenarioConfig Configure(DesignKind design) => new()
    {
        Cpus = 3,
        Zone = "200M,unmovable=2@start",
        Highatomic = HighatomicVariant.May2026,

        // 51200 free pages: below min for GFP_KERNEL, above 3/8 of min for GFP_ATOMIC (ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK).
        Watermarks = new Watermarks(Min: 60_000, Low: 70_000, High: 80_000, Promo: 90_000),
        Parameters = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["atomic-order"] = "4" },
    };

    public override ScenarioIteration Start(ScenarioRun run) => new Iteration(run);

    private sealed class Iteration(ScenarioRun run) : ScenarioIteration(run)
    {
        public override void Setup()
        {
        }

        public override IReadOnlyList<CpuScript> Scripts() =>
        [
            new(0, "atomic order-4 unmovable allocation (may reserve)", () => Atomic(0, Gfp.Atomic)),
            new(1, "atomic order-4 movable allocation (may reserve)", () => Atomic(1, Gfp.Atomic | Gfp.Movable)),
            new(2, "failing GFP_KERNEL allocation (forces unreserve)", () =>
            {
                var pfn = Run.Alloc(2, Gfp.Kernel, 0);
                if (pfn >= 0)
                {
                    Run.Free(2, pfn, 0);
                }
            }),
        ];

        // The atomic pages are kept: freeing one would leave a wholly free HIGHATOMIC block, which an unreserve
        // relabels next to a wholly free buddy block without merging them (as the kernel's move_freepages_block()
        // does), and the auditor's §7.3 "maximally merged" rule reports that state (see the README's model notes).
        private void Atomic(int cpu, Gfp gfp) => Run.Alloc(cpu, gfp, AtomicOrder);
    }
}
