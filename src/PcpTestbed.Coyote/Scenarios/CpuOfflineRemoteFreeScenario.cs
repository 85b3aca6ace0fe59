using PcpTestbed.Designs;
using static PcpTestbed.Coyote.Scenarios.ScenarioHelpers;

namespace PcpTestbed.Coyote.Scenarios;

/// <summary>
/// KERNEL.md §7.4: after CPU offline no page is owned by the dead CPU and its PCP is empty. CPU 0 owns a
/// pageblock with fragments in the zone (on its owned_blocks) and is going offline: CPU 2 runs
/// page_alloc_cpu_dead(0) while CPUs 1 and 3 free CPU 0's pages, which route to CPU 0 until its blocks are released.
/// In mainline the frees go to the freeing CPUs' own PCPs and the dead CPU's PCP is drained.
/// </summary>
internal sealed class CpuOfflineRemoteFreeScenario : Scenario
{
    public override string Name => "cpu-offline-remote-free";

    public override string Description =>
        "CPU 2 takes CPU 0 offline (page_alloc_cpu_dead) while CPU 1 frees pages of CPU 0's blocks, routed to the dying owner";

    public override IReadOnlyList<DesignKind> Designs => AllDesigns;

    // Four CPUs: a free that read the owner before the death must outlast the whole of page_alloc_cpu_dead() to lock the
    // dead PCP after it; two freeing CPUs give it two chances, and a third runnable CPU makes each of the death's steps
    // less likely to hand the turn to it.
    public override ScenarioConfig Configure(DesignKind design) => new() { Cpus = 4, Zone = "8M" };

    public override ScenarioIteration Start(ScenarioRun run) => new Iteration(run);

    private sealed class Iteration(ScenarioRun run) : ScenarioIteration(run)
    {
        private readonly long[] _pages = new long[7];

        public override void Setup()
        {
            MustAllocEach(Run, 0, _pages);

            // The owned block's free pages go to the zone (it joins CPU 0's owned_blocks); then one page goes back
            // onto CPU 0's PCP, so the dead CPU has something to drain.
            Run.DrainAllPages(0);
            Run.Free(0, _pages[4], 0);
        }

        public override IReadOnlyList<CpuScript> Scripts() =>
        [
            new(1, "remote: frees CPU 0's pages while it dies, takes an order-4 chunk of its block, drain_all_pages()", () =>
            {
                Run.Free(1, _pages[0], 0);
                Run.Free(1, _pages[1], 0);
                Run.Free(1, _pages[2], 0);

                // Straight from the buddy: on the pageblock designs a fragment of CPU 0's block, whose ownership the
                // death is releasing.
                var chunk = Run.Alloc(1, Movable, 4);
                Run.DrainAllPages(1);
                FreeIfAllocated(Run, 1, chunk, 4);
            }),
            new(2, "hotplug: page_alloc_cpu_dead(CPU 0), then a free", () =>
            {
                Run.CpuDead(0, 2);
                Run.Free(2, _pages[3], 0);
            }),
            new(3, "remote: frees CPU 0's pages while it dies", () =>
            {
                Run.Free(3, _pages[5], 0);
                Run.Free(3, _pages[6], 0);
            }),
        ];
    }
}
