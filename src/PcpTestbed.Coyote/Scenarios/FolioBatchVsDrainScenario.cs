using PcpTestbed.Designs;
using static PcpTestbed.Coyote.Scenarios.ScenarioHelpers;

namespace PcpTestbed.Coyote.Scenarios;

/// <summary>
/// KERNEL.md §5 (free_unref_folios()): a folio batch of the freeing CPU's own pages takes its own pcp->lock once for
/// the run, while another CPU drains that PCP and a third frees pages of the same CPU one by one (routed to it, on the
/// pageblock designs; pushed onto its remote list, on the lock-free variant; to the third CPU's own PCP on mainline).
/// </summary>
internal sealed class FolioBatchVsDrainScenario : Scenario
{
    public override string Name => "folio-batch-vs-drain";

    public override string Description =>
        "CPU 0 frees a folio batch of its own pages (free_unref_folios() on its own PCP) while CPU 1 drains every PCP and CPU 2 frees CPU 0's other pages";

    public override IReadOnlyList<DesignKind> Designs => AllDesigns;

    public override ScenarioConfig Configure(DesignKind design) => new() { Cpus = 3, Zone = "8M" };

    public override ScenarioIteration Start(ScenarioRun run) => new Iteration(run);

    private sealed class Iteration(ScenarioRun run) : ScenarioIteration(run)
    {
        private readonly long[] _pages = new long[4];

        public override void Setup()
        {
            MustAllocEach(Run, 0, _pages);

            // CPU 0's PCP is emptied (on the pageblock designs its block's free pages go to the zone, the block to its
            // owned_blocks), so the drain has only the pages the scripts free.
            Run.DrainAllPages(0);
        }

        public override IReadOnlyList<CpuScript> Scripts() =>
        [
            new(0, "frees a folio batch of its own pages, allocates and frees", () =>
            {
                Run.Do(0, "free_unref_folios(2 folios)", () => Run.Allocator.FreeUnrefFolios(0, [new Folio(_pages[0], 0), new Folio(_pages[1], 0)]));
                FreeIfAllocated(Run, 0, Run.Alloc(0, Movable, 0));
            }),
            new(1, "drain_all_pages()", () => Run.DrainAllPages(1)),
            new(2, "frees CPU 0's other pages", () =>
            {
                Run.Free(2, _pages[2], 0);
                Run.Free(2, _pages[3], 0);
            }),
        ];
    }
}
