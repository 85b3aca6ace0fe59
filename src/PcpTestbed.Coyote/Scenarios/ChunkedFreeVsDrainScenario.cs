using PcpTestbed.Designs;
using PcpTestbed.Model;
using static PcpTestbed.Coyote.Scenarios.ScenarioHelpers;

namespace PcpTestbed.Coyote.Scenarios;

/// <summary>
/// KERNEL.md §5, the seeds' tree since 6.19: the bulk free that ends free_frozen_page_commit() drops pcp->lock
/// between chunks and takes it back with trylock, stopping when that fails. CPU 0 frees a folio batch
/// (free_unref_folios()) that takes a PCP to high with a bulk free of several chunks, while CPU 2 drains every PCP
/// and CPU 1 allocates and frees on its own PCP. On mainline the chunks come off CPU 0's own PCP, and the drain can
/// empty it or hold its lock between two chunks. On the pageblock designs the batch is CPU 1's pages, routed to
/// CPU 1's PCP as one owner group, so the relock is on another CPU's PCP, which CPU 1 and the drain take in between
/// (the lock-free variant pushes them instead, and CPU 1 runs the bulk free when it takes its list).
/// </summary>
internal sealed class ChunkedFreeVsDrainScenario : Scenario
{
    /// <summary>Folios in the racing batch.</summary>
    private const int BatchFolios = 8;

    /// <summary>Allocations on the target PCP after the set-up frees: each halves free_count, so the bulk free is a few chunks, not dozens.</summary>
    private const int HalvingAllocations = 3;

    public override string Name => "chunked-free-vs-drain";

    public override string Description =>
        "a free_unref_folios() batch takes a PCP to high and bulk frees in chunks, dropping pcp->lock between them, while " +
        "another CPU drains every PCP and the PCP's own CPU allocates and frees";

    public override IReadOnlyList<DesignKind> Designs => AllDesigns;

    // 64M: batch 3, so a bulk free of a dozen pages is several chunks.
    public override ScenarioConfig Configure(DesignKind design) => new() { Cpus = 3, Zone = "64M" };

    public override ScenarioIteration Start(ScenarioRun run) => new Iteration(run);

    private sealed class Iteration(ScenarioRun run) : ScenarioIteration(run)
    {
        private readonly long[] _pages = new long[PageAlloc.PageblockNrPages];
        private readonly List<long> _odd = [];
        private Folio[] _batch = [];

        public override void Setup()
        {
            // CPU 1 allocates a whole pageblock's worth (on the pageblock designs, the block it claimed, leaving its PCP
            // empty). Even pfns are freed, odd ones stay allocated: no freed page has a free buddy to merge with.
            MustAllocEach(Run, 1, _pages);
            var even = _pages.Where(p => Run.Zone.RelativePfn(p) % 2 == 0).ToList();
            _odd.AddRange(_pages.Where(p => Run.Zone.RelativePfn(p) % 2 != 0));

            // The PCP the frees go to: CPU 0's own on mainline, the owner's (CPU 1's) on the pageblock designs.
            var target = Run.IsPageblock ? 1 : 0;
            var pcp = Run.Allocator.Pcp(target);
            var high = Math.Clamp(pcp.High, pcp.HighMin, pcp.HighMax);
            var setupFrees = high - BatchFolios + HalvingAllocations - pcp.Count;
            if (setupFrees < 0 || setupFrees + BatchFolios > even.Count)
            {
                Run.Fail($"[scenario] setup: CPU {target}'s PCP holds {pcp.Count} pages under high {high}: cannot bring it to {BatchFolios} below high");
                return;
            }

            for (var i = 0; i < setupFrees; i++)
            {
                Run.Free(0, even[i], 0);
            }

            for (var i = 0; i < HalvingAllocations; i++)
            {
                MustAlloc(Run, target, Movable, 0);
            }

            _batch = [.. even.Skip(setupFrees).Take(BatchFolios).Select(p => new Folio(p, 0))];
            var now = Run.Allocator.Pcp(target);
            if (now.Count != high - BatchFolios || Run.Allocator.Stats().BulkFrees != 0)
            {
                Run.Fail($"[scenario] setup: CPU {target}'s PCP holds {now.Count} pages (wanted {high - BatchFolios}) after {Run.Allocator.Stats().BulkFrees} bulk frees");
            }
        }

        public override IReadOnlyList<CpuScript> Scripts() =>
        [
            new(0, "frees a folio batch that reaches high", () =>
                Run.Do(0, $"free_unref_folios({BatchFolios} folios)", () => Run.Allocator.FreeUnrefFolios(0, _batch))),
            new(1, "allocates and frees on its own PCP", () =>
            {
                Run.Free(1, _odd[0], 0);
                var a = Run.Alloc(1, Movable, 0);
                Run.Free(1, _odd[1], 0);
                if (a >= 0)
                {
                    Run.Free(1, a, 0);
                }
            }),
            new(2, "drain_all_pages()", () => Run.DrainAllPages(2)),
        ];
    }
}
