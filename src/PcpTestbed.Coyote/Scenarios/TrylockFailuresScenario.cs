using PcpTestbed.Designs;
using static PcpTestbed.Coyote.Scenarios.ScenarioHelpers;

namespace PcpTestbed.Coyote.Scenarios;

/// <summary>
/// KERNEL.md §5 and §7.5: a pcp trylock fails when another CPU drains that PCP (or, in the pageblock designs,
/// routes a free to it). A failed allocation trylock must go to the buddy without touching the list; a failed
/// free trylock must free to the buddy, never to a foreign PCP.
/// </summary>
internal sealed class TrylockFailuresScenario : Scenario
{
    public override string Name => "trylock-failures";

    public override string Description =>
        "CPU 0 allocates and frees on its PCP while CPU 1 drains it with drain_all_pages() and frees pages CPU 0 owns: trylocks fail on both paths";

    public override IReadOnlyList<DesignKind> Designs => AllDesigns;

    public override ScenarioConfig Configure(DesignKind design) => new() { Cpus = 2, Zone = "8M" };

    public override ScenarioIteration Start(ScenarioRun run) => new Iteration(run);

    private sealed class Iteration(ScenarioRun run) : ScenarioIteration(run)
    {
        private readonly long[] _pages = new long[4];

        public override void Setup()
        {
            MustAllocEach(Run, 0, _pages);

            // Pages on CPU 0's PCP for the racing allocations (mainline refills one at a time here).
            Run.Free(0, _pages[3], 0);
        }

        public override IReadOnlyList<CpuScript> Scripts() =>
        [
            new(0, "local: allocates and frees on its own PCP", () =>
            {
                var a = Run.Alloc(0, Movable, 0);
                Run.Free(0, _pages[0], 0);
                var b = Run.Alloc(0, Movable, 0);
                if (a >= 0)
                {
                    Run.Free(0, a, 0);
                }

                if (b >= 0)
                {
                    Run.Free(0, b, 0);
                }
            }),
            new(1, "drainer: drain_all_pages() and frees of CPU 0's pages", () =>
            {
                Run.DrainAllPages(1);
                Run.Free(1, _pages[1], 0);
                Run.DrainAllPages(1);
                Run.Free(1, _pages[2], 0);
            }),
        ];
    }
}
