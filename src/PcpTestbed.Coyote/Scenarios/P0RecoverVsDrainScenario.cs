using PcpTestbed.Designs;
using static PcpTestbed.Coyote.Scenarios.ScenarioHelpers;

namespace PcpTestbed.Coyote.Scenarios;

/// <summary>
/// KERNEL.md §6-7.4: refill phase 0 recovers an owned block's fragments from the zone (taking it off
/// owned_blocks) while a drain frees fragments of the same block back (putting it on again) and a remote
/// free adds to it; owned_blocks must end up holding exactly the blocks with zone fragments, once each.
/// </summary>
internal sealed class P0RecoverVsDrainScenario : Scenario
{
    public override string Name => "p0-recover-vs-drain";

    public override string Description =>
        "refill phase 0 recovers an owned block's fragments while drain_all_pages() re-adds the same block to owned_blocks and a remote free lands on it";

    public override IReadOnlyList<DesignKind> Designs => PageblockDesigns;

    public override ScenarioConfig Configure(DesignKind design) => new() { Cpus = 3, Zone = "8M" };

    public override ScenarioIteration Start(ScenarioRun run) => new Iteration(run);

    private sealed class Iteration(ScenarioRun run) : ScenarioIteration(run)
    {
        private readonly long[] _pages = new long[4];

        public override void Setup()
        {
            MustAllocEach(Run, 0, _pages);

            // The owned block's free pages go back to the zone: it is on CPU 0's owned_blocks, ready for phase 0.
            Run.DrainAllPages(0);
        }

        public override IReadOnlyList<CpuScript> Scripts() =>
        [
            new(0, "owner: allocates (refill phase 0) and frees", () =>
            {
                var a = Run.Alloc(0, Movable, 0);
                Run.Free(0, _pages[0], 0);
                var b = Run.Alloc(0, Movable, 0);
                FreeIfAllocated(Run, 0, a);
                FreeIfAllocated(Run, 0, b);
            }),
            new(1, "remote: frees the owner's pages", () =>
            {
                Run.Free(1, _pages[1], 0);
                Run.Free(1, _pages[2], 0);
            }),
            new(2, "drainer: drain_all_pages(), then a remote free", () =>
            {
                Run.DrainAllPages(2);
                Run.Free(2, _pages[3], 0);
            }),
        ];
    }
}
