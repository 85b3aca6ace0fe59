using PcpTestbed.Designs;
using static PcpTestbed.Coyote.Scenarios.ScenarioHelpers;

namespace PcpTestbed.Coyote.Scenarios;

/// <summary>
/// KERNEL.md §5: decay_pcp_high() works out pcp->high and the pages to drain without pcp->lock, then takes
/// the lock to drain them; a drain_all_pages() from another CPU can empty the PCP in between, which is why
/// free_pcppages_bulk() clamps its count to pcp->count.
/// </summary>
internal sealed class DecayVsDrainScenario : Scenario
{
    public const string ScenarioName = "decay-vs-drain";

    public override string Name => ScenarioName;

    public override string Description =>
        "CPU 0's vmstat work runs decay_pcp_high() on a PCP holding pages above a decaying high while CPU 1 runs drain_all_pages()";

    // decay_pcp_high() is shared by every design. The setup needs a PCP of small chunks above a decaying high,
    // which is mainline's shape: a pageblock PCP holds large PCP-buddy chunks whose drains overshoot.
    public override IReadOnlyList<DesignKind> Designs => [DesignKind.Mainline];

    // 64M: batch 3, so refills raise pcp->high well above what the PCP holds and decay has room to lower it.
    public override ScenarioConfig Configure(DesignKind design) => new() { Cpus = 2, Zone = "64M" };

    public override ScenarioIteration Start(ScenarioRun run) => new Iteration(run);

    private sealed class Iteration(ScenarioRun run) : ScenarioIteration(run)
    {
        private const int Allocated = 200;
        private const int Freed = 150;
        private const int MaxDecays = 64;

        public override void Setup()
        {
            var pages = new long[Allocated];
            for (var i = 0; i < Allocated; i++)
            {
                pages[i] = MustAlloc(Run, 0, Movable, 0);
            }

            // The PCP holds little after refills: freeing fills it.
            for (var i = 0; i < Freed; i++)
            {
                Run.Free(0, pages[i], 0);
            }

            // Decay until a decay drains: from then on pcp->count == pcp->high > high_min, so the next
            // decay lowers high below the count and has pages to drain.
            for (var i = 0; i < MaxDecays; i++)
            {
                var before = Run.Allocator.PcpCount(0);
                Run.DecayPcpHigh(0);
                if (Run.Allocator.PcpCount(0) < before)
                {
                    break;
                }
            }

            var pcp = Run.Allocator.Pcp(0);
            if (pcp.Count <= pcp.HighMin || pcp.Count != pcp.High)
            {
                Run.Fail($"[scenario] setup: CPU 0's PCP holds {pcp.Count} pages with high {pcp.High} (high_min {pcp.HighMin}): decay would drain nothing");
            }
        }

        public override IReadOnlyList<CpuScript> Scripts() =>
        [
            new(0, "vmstat work: decay_pcp_high()", () => Run.DecayPcpHigh(0)),
            new(1, "drain_all_pages()", () => Run.DrainAllPages(1)),
        ];
    }
}
