using PcpTestbed.Designs;
using PcpTestbed.Model;
using static PcpTestbed.Coyote.Scenarios.ScenarioHelpers;

namespace PcpTestbed.Coyote.Scenarios;

/// <summary>
/// KERNEL.md §2 and §5: every zone->lock critical section of the allocation and free paths at once, on chunks they
/// share. CPU 0's PCP sits one page below high, so its frees bulk free (free_pcppages_bulk()) pages whose buddies are
/// on the zone's free lists; CPUs 1 and 2 refill empty PCPs (rmqueue_bulk()) from those same lists; CPU 1 frees an
/// order-4 chunk straight to the buddy (free_one_page()) while CPU 2 allocates order 4 (rmqueue_buddy()) and CPU 0
/// frees the chunk's order-4 buddy. Under the locks these only wait for each other; a section entered without
/// zone->lock takes a chunk another CPU is merging or taking, or leaves two free buddies unmerged. On the pageblock
/// designs the zone holds two pageblocks: CPU 0 owns one, so the refills find no whole block for the second one and
/// take sub-pageblock chunks (phases 2 and 3), CPU 0's fragments among them.
/// </summary>
internal sealed class ZoneLockContentionScenario : Scenario
{
    public const string ScenarioName = "zone-lock-contention";

    /// <summary>Order-0 pages CPU 0 frees in its script, the first one reaching high.</summary>
    private const int ScriptFrees = 3;

    private const int HighOrder = 4;

    public override string Name => ScenarioName;

    public override string Description =>
        "CPU 0 bulk frees at high while CPUs 1 and 2 refill from the same free lists, and order-4 buddies are freed to and " +
        "taken from the zone directly: every zone->lock section of the alloc and free paths at once";

    public override IReadOnlyList<DesignKind> Designs => AllDesigns;

    // 4M: two pageblocks, so on the pageblock designs the second refill finds no whole block to claim.
    public override ScenarioConfig Configure(DesignKind design) => new() { Cpus = 3, Zone = "4M" };

    public override ScenarioIteration Start(ScenarioRun run) => new Iteration(run);

    private sealed class Iteration(ScenarioRun run) : ScenarioIteration(run)
    {
        private readonly long[] _kept = new long[ScriptFrees];
        private long _chunkA = -1;
        private long _chunkB = -1;

        public override void Setup()
        {
            // Two order-4 chunks, taken straight from the buddy: the second is the first one's buddy.
            _chunkA = MustAlloc(Run, 0, Movable, HighOrder);
            _chunkB = MustAlloc(Run, 0, Movable, HighOrder);
            if ((_chunkA ^ _chunkB) != 1L << HighOrder)
            {
                Run.Fail($"[scenario] setup: order-{HighOrder} chunks {ScenarioRun.Hex(_chunkA)} and {ScenarioRun.Hex(_chunkB)} are not buddies");
            }

            // CPU 0 allocates a run of pages and frees all but a few, until its PCP is one page below high (mainline);
            // a pageblock PCP holds the rest of its block and is above high already.
            var pages = new List<long>();
            for (var i = 0; i < 64; i++)
            {
                pages.Add(MustAlloc(Run, 0, Movable, 0));
            }

            for (var i = 0; i < ScriptFrees; i++)
            {
                _kept[i] = pages[i];
            }

            foreach (var pfn in pages.Skip(ScriptFrees))
            {
                var pcp = Run.Allocator.Pcp(0);
                if (pcp.Count + 1 >= Math.Clamp(pcp.High, pcp.HighMin, pcp.HighMax))
                {
                    break;
                }

                Run.Free(0, pfn, 0);
            }
        }

        public override IReadOnlyList<CpuScript> Scripts() =>
        [
            new(0, "frees at high (bulk free), then frees chunk B to the buddy", () =>
            {
                foreach (var pfn in _kept)
                {
                    Run.Free(0, pfn, 0);
                }

                Run.Free(0, _chunkB, HighOrder);
            }),
            new(1, "refills an empty PCP, frees chunk A to the buddy", () =>
            {
                var a = Run.Alloc(1, Movable, 0);
                Run.Free(1, _chunkA, HighOrder);
                FreeIfAllocated(Run, 1, a);
            }),
            new(2, "refills an empty PCP, allocates order 4 from the buddy", () =>
            {
                var a = Run.Alloc(2, Movable, 0);
                var big = Run.Alloc(2, Movable, HighOrder);
                FreeIfAllocated(Run, 2, a);
                FreeIfAllocated(Run, 2, big, HighOrder);
            }),
        ];
    }
}
