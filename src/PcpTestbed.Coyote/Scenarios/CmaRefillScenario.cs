using PcpTestbed.Designs;
using PcpTestbed.Model;
using static PcpTestbed.Coyote.Scenarios.ScenarioHelpers;

namespace PcpTestbed.Coyote.Scenarios;

/// <summary>
/// KERNEL.md §6 (CMA): a movable refill while free CMA is over half of the free pages takes CMA pages first,
/// as __rmqueue() does. The auditor cannot see this, so the scenario checks it: CPU 0 owns a MOVABLE block and
/// a CMA block, both with fragments in the zone, and CMA holds most free pages; its next movable refill must
/// recover the CMA block's fragments in phase 0, not the MOVABLE block's. CPU 1 meanwhile frees a page of its
/// own and drains every PCP, CPU 0's included.
/// </summary>
internal sealed class CmaRefillScenario : Scenario
{
    public const string ScenarioName = "cma-refill";

    /// <summary>
    /// The invariant this scenario checks, as its reports name it: CONFIG_DEBUG_VM's CMA-first check (on under Coyote)
    /// reports it inside the refill, and the scenario's own check after the allocation, should the debug check miss it.
    /// </summary>
    public const string Invariant = Zone.CmaFirstInvariant;

    public override string Name => ScenarioName;

    public override string Description =>
        "a movable refill while free CMA > half of free pages must recover the owner's CMA fragments before its MOVABLE ones, as __rmqueue takes CMA first";

    // The RFC as posted (pageblock, pageblock-lockfree) breaks this rule by design: the review's known issue.
    public override IReadOnlyList<DesignKind> Designs => [DesignKind.PageblockCmaFix];

    public override ScenarioConfig Configure(DesignKind design) => new() { Cpus = 2, Zone = "8M,cma=2@end" };

    public override ScenarioIteration Start(ScenarioRun run) => new Iteration(run);

    private sealed class Iteration(ScenarioRun run) : ScenarioIteration(run)
    {
        private const int ChunkOrder = 3;

        private int _movableBlock = -1;
        private int _cmaBlock = -1;
        private long _ownPage = -1;
        private string? _violation;

        public override void Setup()
        {
            // 1. CPU 0 claims a MOVABLE block (free CMA is exactly half: __rmqueue takes MOVABLE).
            var anchor = MustAlloc(Run, 0, Movable, 0);
            _movableBlock = BlockOf(Run, anchor);

            // 2. CPU 0 uses up that block in order-3 chunks until a refill claims a new block. By then free CMA
            //    is over half, so phase 1 (__rmqueue) claims a CMA block.
            var fromMovable = new List<long>();
            for (var i = 0; i < PageAlloc.PageblockNrPages; i++)
            {
                var pfn = MustAlloc(Run, 0, Movable, ChunkOrder);
                if (BlockOf(Run, pfn) != _movableBlock)
                {
                    _cmaBlock = BlockOf(Run, pfn);
                    break;
                }

                fromMovable.Add(pfn);
            }

            if (_cmaBlock < 0 || Run.Zone.Blocks[_cmaBlock].MigrateType != MigrateType.Cma)
            {
                Run.Fail($"[scenario] setup: CPU 0's second block is {(_cmaBlock < 0 ? "missing" : MigrateTypes.KernelName(Run.Zone.Blocks[_cmaBlock].MigrateType))}, expected CMA");
            }

            // 3. Everything but one page of each block goes back to the zone: both blocks join CPU 0's owned_blocks.
            foreach (var pfn in fromMovable)
            {
                Run.Free(0, pfn, ChunkOrder);
            }

            Run.DrainAllPages(0);

            // 4. CPU 1 takes the other MOVABLE block, so CMA holds most of the zone's free pages.
            _ownPage = MustAlloc(Run, 1, Movable, 0);
        }

        public override IReadOnlyList<CpuScript> Scripts() =>
        [
            new(0, "owner: a movable allocation that refills", () =>
            {
                var before = Snapshot();
                var pfn = Run.Alloc(0, Movable, 0);
                Check(before, Snapshot());
                if (pfn >= 0)
                {
                    Run.Free(0, pfn, 0);
                }
            }),
            new(1, "frees its own page, then drain_all_pages()", () =>
            {
                Run.Free(1, _ownPage, 0);
                Run.DrainAllPages(1);
            }),
        ];

        public override string? CheckQuiescent() => _violation;

        private (long FreeCma, long Free, int MovableZoneFree, int CmaZoneFree, bool CmaOwned) Snapshot()
        {
            ref var cma = ref Run.Zone.Blocks[_cmaBlock];
            return (Run.Zone.NrFreeCmaPages, Run.Zone.NrFreePages, Run.Zone.Blocks[_movableBlock].ZoneFree, cma.ZoneFree, cma.Owner == 0 && cma.IsOnOwnedList);
        }

        private void Check((long FreeCma, long Free, int MovableZoneFree, int CmaZoneFree, bool CmaOwned) before,
                           (long FreeCma, long Free, int MovableZoneFree, int CmaZoneFree, bool CmaOwned) after)
        {
            // Only a refill that could recover CMA fragments (its CMA block on its owned_blocks) is held to the rule.
            var cmaFirst = Zone.CmaOverHalf(before.FreeCma, before.Free) && before.CmaOwned;
            var recoveredMovable = after.MovableZoneFree < before.MovableZoneFree;
            var cmaLeft = before.CmaZoneFree > 0 && after.CmaZoneFree >= before.CmaZoneFree;
            if (cmaFirst && recoveredMovable && cmaLeft && _violation == null)
            {
                _violation =
                    $"[{Invariant}] CPU 0's movable refill began with free CMA {before.FreeCma} > half of {before.Free} free pages, " +
                    $"yet it took MOVABLE pageblock {_movableBlock}'s fragments (zone-free {before.MovableZoneFree} -> {after.MovableZoneFree}) " +
                    $"and left CMA pageblock {_cmaBlock}'s {after.CmaZoneFree} zone-free pages, unlike __rmqueue";
            }
        }
    }
}
