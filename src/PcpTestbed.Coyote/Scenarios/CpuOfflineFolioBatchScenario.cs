using PcpTestbed.Designs;
using static PcpTestbed.Coyote.Scenarios.ScenarioHelpers;

namespace PcpTestbed.Coyote.Scenarios;

/// <summary>
/// KERNEL.md §7.4 on the batched free path: free_unref_folios() of another CPU's pages while that CPU dies. CPU 1 frees a
/// folio batch of CPU 0's pages (munmap of memory CPU 0 faulted in): on the pageblock designs the batch reads each block's
/// owner once, groups by it, trylocks the owner's pcp->lock and rechecks the owner under it, as a single free does; CPU 2
/// runs page_alloc_cpu_dead(0) meanwhile. A folio whose owner died between the read and the lock must not land on the dead
/// CPU's PCP. The single-free path has its own scenario (cpu-offline-remote-free); no other scenario changes a block's
/// owner while a batch is routed to it, so the batch's recheck went unchecked: with it removed (edit A8 of
/// docs/mutation-sweep.md), folio-batch-vs-drain, cpu-offline-remote-free, cpu-offline-online-remote-free and
/// remote-free-vs-drain each held for 2,000 iterations on pageblock (`explore --scenario S --design pageblock --iterations
/// 2000 --seed 1`, 2026-12-08 00:11-00:13 UTC, load 12-13, at 9045d0e), and so did the design tests; this scenario finds it
/// at its first iteration (00:32 UTC, load 5.5). On mainline the batch goes to CPU 1's own PCP and the dead CPU's PCP is
/// drained.
/// </summary>
internal sealed class CpuOfflineFolioBatchScenario : Scenario
{
    public override string Name => "cpu-offline-folio-batch";

    public override string Description =>
        "CPU 1 frees a folio batch of CPU 0's pages (free_unref_folios(), routed to the owner) while CPU 2 takes CPU 0 offline";

    public override IReadOnlyList<DesignKind> Designs => AllDesigns;

    public override ScenarioConfig Configure(DesignKind design) => new() { Cpus = 3, Zone = "8M" };

    public override ScenarioIteration Start(ScenarioRun run) => new Iteration(run);

    private sealed class Iteration(ScenarioRun run) : ScenarioIteration(run)
    {
        private readonly long[] _pages = new long[4];

        public override void Setup()
        {
            MustAllocEach(Run, 0, _pages);

            // The owned block's free pages go to the zone (it joins CPU 0's owned_blocks), so the death has a block to
            // release and the batch's pages are the only ones it routes to CPU 0.
            Run.DrainAllPages(0);
        }

        public override IReadOnlyList<CpuScript> Scripts() =>
        [
            new(1, "frees a folio batch of CPU 0's pages while CPU 0 dies", () =>
                Run.Do(1, "free_unref_folios(3 folios)", () =>
                    Run.Allocator.FreeUnrefFolios(1, [new Folio(_pages[0], 0), new Folio(_pages[1], 0), new Folio(_pages[2], 0)]))),
            new(2, "hotplug: page_alloc_cpu_dead(CPU 0), then a free of CPU 0's last page", () =>
            {
                Run.CpuDead(0, 2);
                Run.Free(2, _pages[3], 0);
            }),
        ];
    }
}
