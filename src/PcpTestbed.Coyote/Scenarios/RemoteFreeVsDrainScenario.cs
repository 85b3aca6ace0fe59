using PcpTestbed.Designs;
using static PcpTestbed.Coyote.Scenarios.ScenarioHelpers;

namespace PcpTestbed.Coyote.Scenarios;

/// <summary>
/// KERNEL.md §7.4: a remote free racing with the owner's drain and merge ends in exactly one place. CPU 0 owns
/// a pageblock; CPU 1 frees pages of it (routed to CPU 0's PCP, or to the buddy when the trylock fails) while
/// CPU 0 frees its own and drains, and CPU 2 runs drain_all_pages(), whose merge pass and bulk free move the
/// same chunks to the zone.
/// </summary>
internal sealed class RemoteFreeVsDrainScenario : Scenario
{
    public override string Name => "remote-free-vs-drain";

    public override string Description =>
        "remote frees to a block's owner race with the owner's own frees, its drain and another CPU's drain_all_pages (merge pass and bulk free)";

    public override IReadOnlyList<DesignKind> Designs => PageblockDesigns;

    public override ScenarioConfig Configure(DesignKind design) => new() { Cpus = 3, Zone = "8M" };

    public override ScenarioIteration Start(ScenarioRun run) => new Iteration(run);

    private sealed class Iteration(ScenarioRun run) : ScenarioIteration(run)
    {
        private readonly long[] _pages = new long[4];

        public override void Setup()
        {
            // CPU 0 claims a block (refill phase 1) and hands two of its pages to CPU 1.
            MustAllocEach(Run, 0, _pages);
        }

        public override IReadOnlyList<CpuScript> Scripts() =>
        [
            new(0, "owner: frees its pages and drains", () =>
            {
                Run.Free(0, _pages[0], 0);
                Run.DrainAllPages(0);
                Run.Free(0, _pages[1], 0);
            }),
            new(1, "remote: frees the owner's pages", () =>
            {
                Run.Free(1, _pages[2], 0);
                Run.Free(1, _pages[3], 0);
            }),
            new(2, "drainer: drain_all_pages()", () => Run.DrainAllPages(2)),
        ];
    }
}
