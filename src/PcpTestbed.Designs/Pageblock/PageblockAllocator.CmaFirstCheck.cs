using PcpTestbed.Model;

namespace PcpTestbed.Designs.Pageblock;

// CONFIG_DEBUG_VM's CMA-first check in the refill phases that do not take through __rmqueue(): phase 0 (owned fragments)
// and phase 2 (sub-pageblock chunks). Phases 1 and 3 take through __rmqueue(), which checks itself (Zone.Rmqueue).
public sealed partial class PageblockAllocator<TExec>
{
    /// <summary>
    /// A phase's CMA-first decision, made at its start under zone->lock as pageblock-cmafix makes it: once per phase,
    /// where rmqueue_bulk()'s __rmqueue() decides again for every chunk (the fix as modelled; see the README's fidelity
    /// notes). The counters are the ones the decision read, for the report.
    /// </summary>
    private readonly record struct CmaPhaseDecision(bool CmaFirst, long FreeCma, long Free);

    /// <summary>
    /// The decision phase 0 or 2 is held to, or none when the phases are not checked (<see cref="_checkCmaPhases"/>): a
    /// movable ALLOC_CMA request while free CMA is over half of the free pages must take CMA first.
    /// </summary>
    private CmaPhaseDecision CmaPhaseStart(MigrateType mt, AllocFlags flags) =>
        _checkCmaPhases && mt == MigrateType.Movable && (flags & AllocFlags.Cma) != 0 && _zone.CmaOverHalfLocked()
            ? new CmaPhaseDecision(true, _zone.NrFreeCmaPages, _zone.NrFreePages)
            : default;

    /// <summary>
    /// Phase 0 is about to recover <paramref name="block"/>: if the phase decided CMA first and the block is not CMA, no
    /// owned CMA block whose zone-free pages fit <paramref name="roomLeft"/> may be left on <paramref name="cpu"/>'s
    /// owned_blocks (the fix recovers those first).
    /// </summary>
    private void CheckRecoverCmaFirst(int cpu, int block, in CmaPhaseDecision decision, long roomLeft)
    {
        if (!decision.CmaFirst)
        {
            return;
        }

        _zone.DebugVm!.Checked();
        if (_zone.Blocks[block].MigrateType == MigrateType.Cma)
        {
            return;
        }

        // Bounded by the zone's pageblocks: a block is on one owned_blocks list at most once.
        for (var b = _zone.Ownership!.First(cpu); b >= 0; b = OwnedBlockLists.Next(_zone.Blocks, b))
        {
            var zoneFree = _zone.Blocks[b].ZoneFree;
            if (_zone.Blocks[b].MigrateType == MigrateType.Cma && zoneFree > 0 && zoneFree <= roomLeft)
            {
                _zone.DebugVm!.Report(Zone.CmaFirstInvariant,
                    $"refill phase 0 on CPU {cpu} recovered {MigrateTypes.KernelName(_zone.Blocks[block].MigrateType)} pageblock {block}'s " +
                    $"{_zone.Blocks[block].ZoneFree} zone-free pages for an ALLOC_CMA movable refill while free CMA {decision.FreeCma} > half of " +
                    $"{decision.Free} free pages at the phase's start and its owned CMA pageblock {b} had {zoneFree} zone-free pages that fit, " +
                    "unlike __rmqueue() (the review's fix recovers CMA first)");
                return;
            }
        }
    }

    /// <summary>
    /// Phase 2 took the order-<paramref name="o"/> chunk at <paramref name="pfn"/> off free_list[<paramref name="type"/>]:
    /// if the phase decided CMA first and the type is not CMA, no CMA chunk of an order the phase scans
    /// (<paramref name="order"/>..<paramref name="topOrder"/>) may be left free (the fix scans CMA's lists first).
    /// </summary>
    private void CheckChunkCmaFirst(int pfn, int o, MigrateType type, in CmaPhaseDecision decision, int order, int topOrder)
    {
        if (!decision.CmaFirst)
        {
            return;
        }

        _zone.DebugVm!.Checked();
        if (type == MigrateType.Cma)
        {
            return;
        }

        var cmaOrder = _zone.LowestFreeCmaOrderLocked(order, topOrder);
        if (cmaOrder >= 0)
        {
            _zone.WarnCmaFirst("refill phase 2", pfn, o, decision.FreeCma, decision.Free, cmaOrder);
        }
    }
}
