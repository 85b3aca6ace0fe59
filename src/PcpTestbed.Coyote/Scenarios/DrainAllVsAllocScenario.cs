using PcpTestbed.Designs;
using static PcpTestbed.Coyote.Scenarios.ScenarioHelpers;

namespace PcpTestbed.Coyote.Scenarios;

/// <summary>
/// KERNEL.md §5 and §7.1-2: drain_all_pages() empties remote PCPs under their pcp->lock while their CPUs
/// allocate (refilling under zone->lock), free (bulk freeing past high) and decay pcp->high.
/// </summary>
internal sealed class DrainAllVsAllocScenario : Scenario
{
    public override string Name => "drain-all-vs-alloc";

    public override string Description =>
        "CPU 2 runs drain_all_pages() twice while CPUs 0 and 1 allocate, free and run decay_pcp_high() on their own PCPs";

    public override IReadOnlyList<DesignKind> Designs => AllDesigns;

    public override ScenarioConfig Configure(DesignKind design) => new() { Cpus = 3, Zone = "8M" };

    public override ScenarioIteration Start(ScenarioRun run) => new Iteration(run);

    private sealed class Iteration(ScenarioRun run) : ScenarioIteration(run)
    {
        private readonly long[] _pages = new long[4];

        public override void Setup()
        {
            _pages[0] = MustAlloc(Run, 0, Movable, 0);
            _pages[1] = MustAlloc(Run, 0, Movable, 0);
            _pages[2] = MustAlloc(Run, 1, Movable, 0);
            _pages[3] = MustAlloc(Run, 1, Movable, 0);
        }

        public override IReadOnlyList<CpuScript> Scripts() =>
        [
            new(0, "allocates, frees, decays", () => Work(0, _pages[0], _pages[1], decay: true)),
            new(1, "allocates and frees", () => Work(1, _pages[2], _pages[3], decay: false)),
            new(2, "drainer: drain_all_pages() twice", () =>
            {
                Run.DrainAllPages(2);
                Run.DrainAllPages(2);
            }),
        ];

        private void Work(int cpu, long first, long second, bool decay)
        {
            var a = Run.Alloc(cpu, Movable, 0);
            Run.Free(cpu, first, 0);
            var b = Run.Alloc(cpu, Movable, 0);
            Run.Free(cpu, second, 0);
            if (decay)
            {
                Run.DecayPcpHigh(cpu);
            }

            if (a >= 0)
            {
                Run.Free(cpu, a, 0);
            }

            if (b >= 0)
            {
                Run.Free(cpu, b, 0);
            }
        }
    }
}
