using PcpTestbed.Designs;
using static PcpTestbed.Coyote.Scenarios.ScenarioHelpers;

namespace PcpTestbed.Coyote.Scenarios;

/// <summary>
/// KERNEL.md §7.4 across a CPU's death and return: CPUs 1 and 3 free pages of CPU 0's block (routed to CPU 0, or pushed
/// onto its lock-free list) while CPU 2 runs page_alloc_cpu_dead(0), brings CPU 0 back online, and CPU 0 allocates
/// (taking its remote list). A free that read the owner before the death must not leave a PCP buddy of a released
/// block on the reborn CPU's PCP.
/// </summary>
internal sealed class CpuOfflineOnlineRemoteFreeScenario : Scenario
{
    public const string ScenarioName = "cpu-offline-online-remote-free";

    public override string Name => ScenarioName;

    public override string Description =>
        "CPU 2 takes CPU 0 offline and brings it back online while CPU 1 frees pages of CPU 0's block, routed to the owner it read before the death";

    // Mainline routes no frees, so there CPU 1's frees go to its own PCP: the scenario still races death and return
    // (page_alloc_cpu_online()'s pcp->lock hold) against them.
    public override IReadOnlyList<DesignKind> Designs => AllDesigns;

    // Four CPUs: a free that read the owner before the death must outlast the death and the return to push after the
    // list reopens; two freeing CPUs give it two chances, and the extra runnable CPU makes each of the hotplug steps
    // less likely to hand the turn back to the free.
    public override ScenarioConfig Configure(DesignKind design) => new() { Cpus = 4, Zone = "8M" };

    public override ScenarioIteration Start(ScenarioRun run) => new Iteration(run);

    private sealed class Iteration(ScenarioRun run) : ScenarioIteration(run)
    {
        private readonly long[] _pages = new long[4];

        public override void Setup()
        {
            MustAllocEach(Run, 0, _pages);

            // The owned block's other free pages go to the zone (it joins CPU 0's owned_blocks).
            Run.DrainAllPages(0);
        }

        public override IReadOnlyList<CpuScript> Scripts() =>
        [
            new(1, "remote: frees CPU 0's pages across its death and return", () =>
            {
                Run.Free(1, _pages[0], 0);
                Run.Free(1, _pages[1], 0);
            }),

            // CPU 2 stands in for the hotplug thread and then for CPU 0 itself, which runs again once it is online:
            // its first allocation takes its remote list. Order 1, so the order-0 pages it takes stay on its PCP.
            new(2, "hotplug: page_alloc_cpu_dead(CPU 0), page_alloc_cpu_online(CPU 0), then CPU 0 allocates", () =>
            {
                Run.CpuDead(0, 2);
                Run.CpuOnline(0, 2);
                Run.Alloc(0, Movable, 1);
            }),
            new(3, "remote: frees CPU 0's pages across its death and return", () =>
            {
                Run.Free(3, _pages[2], 0);
                Run.Free(3, _pages[3], 0);
            }),
        ];
    }
}
