using PcpTestbed.Model.Audit;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Model;

// MIGRATE_HIGHATOMIC reserves: reserve_highatomic_pageblock() and unreserve_highatomic_pageblock().
public sealed partial class Zone
{
    /// <summary>
    /// The reserve's cap: ALIGN(managed / 100, pageblock_nr_pages), or 0 when 1% of the zone is less
    /// than a pageblock (no reserve at all).
    /// </summary>
    public long HighatomicMaxPages => ComputeHighatomicMaxPages(ManagedPages);

    public static long ComputeHighatomicMaxPages(long managedPages)
    {
        var onePercent = managedPages / 100;
        if (onePercent < PageAlloc.PageblockNrPages)
        {
            return 0;
        }

        return (onePercent + PageAlloc.PageblockNrPages - 1) & ~(long)(PageAlloc.PageblockNrPages - 1);
    }

    /// <summary>
    /// How far past the cap an order ≥ pageblock_order reservation has taken the reserve (the kernel checks
    /// the cap before adding 1 &lt;&lt; order). The auditor allows the reserve this much over the cap, no more.
    /// </summary>
    public long HighatomicCapOvershoot { get; private set; }

    /// <summary>
    /// The highest nr_reserved_highatomic since the zone was built (not a kernel field): the reserve may pass its cap and
    /// come back under it between two audits (a reserve over the cap unreserved before the next quiescent point), and §7.6
    /// holds at every change under zone->lock, not only at audits. Written under zone->lock with the reserve, read at audits.
    /// </summary>
    public long NrReservedHighatomicPeak => _nrReservedHighatomicPeak;

    /// <summary>
    /// Counts HIGHATOMIC blocks a zone is built with (a spec or an image may start with a reserve).
    /// <paramref name="overshoot"/>: how far past the cap the reserve may already be (a real kernel's, after
    /// an order-9/10 reservation); 0 for synthetic zones.
    /// </summary>
    internal void InitReservedHighatomic(long pages, long overshoot = 0)
    {
        AssertLocked();

        // Set-up, before any CPU runs: a plain write.
        _nrReservedHighatomic = pages;
        _nrReservedHighatomicPeak = pages;
        HighatomicCapOvershoot = overshoot;
    }

    /// <summary>
    /// reserve_highatomic_pageblock()'s check before taking zone->lock ("race-prone but harmless"):
    /// whether the reserve may grow at all.
    /// </summary>
    public bool HighatomicReserveMayGrow()
    {
        var max = HighatomicMaxPages;
        return max != 0 && NrReservedHighatomic < max;
    }

    /// <summary>
    /// reserve_highatomic_pageblock() under zone->lock: recheck the cap, then convert the block of
    /// <paramref name="pfn"/> (only a mergeable one) to HIGHATOMIC and count it in whole blocks.
    /// </summary>
    /// <param name="recheckCap">False only to inject the "no recheck under the lock" bug.</param>
    public bool ReserveHighatomicPageblockLocked(int pfn, int order, bool recheckCap = true)
    {
        AssertLocked();
        var max = HighatomicMaxPages;
        if (max == 0 || (recheckCap && _nrReservedHighatomic >= max))
        {
            return false;
        }

        var mt = GetPageblockMigratetype(pfn);
        if (!MigrateTypes.IsMergeable(mt))
        {
            return false;
        }

        if (order < PageAlloc.PageblockOrder)
        {
            if (MoveFreepagesBlock(pfn, mt, MigrateType.HighAtomic) == -1)
            {
                return false;
            }

            _seam.WriteOnce(ref _nrReservedHighatomic, _nrReservedHighatomic + PageAlloc.PageblockNrPages,
                SharedLocation.ZoneHighatomic, AccessSite.HighatomicReserveAdd);
            CheckHighatomicCap(max);
        }
        else
        {
            // The kernel counts a whole order-9/10 chunk, checked against the cap before adding: the
            // reserve may end up a pageblock past the cap. Remember by how much, so the audit stays exact.
            ChangePageblockRange(pfn, order, MigrateType.HighAtomic);
            _seam.WriteOnce(ref _nrReservedHighatomic, _nrReservedHighatomic + (1L << order), SharedLocation.ZoneHighatomic, AccessSite.HighatomicReserveAdd);
            HighatomicCapOvershoot = Math.Max(HighatomicCapOvershoot, _nrReservedHighatomic - max);
        }

        _nrReservedHighatomicPeak = Math.Max(_nrReservedHighatomicPeak, _nrReservedHighatomic);
        Events.HighatomicReserves++;
        return true;
    }

    /// <summary>
    /// Under CONFIG_DEBUG_VM (ours, in its style: mainline has no such warning), §7.6 at the change itself: a block-sized
    /// reservation leaves the reserve at or under its cap. The audit checks the reserve's peak too, but only at its next
    /// quiescent point, and a run's flight recorder cuts there: on highatomic-cap-not-rechecked's runs (udp, 256M, 4 CPUs) the
    /// receivers' rings held 2,047-4,095 operations, a few milliseconds, and lost 52,000-455,000 entries since the
    /// checkpoint, so a file often held no reservation of one of the two racing CPUs (seed 31's CPU 0 had no order-1 success
    /// in its window) and the search did not bring the race back (`/work/tools/row.sh`, seeds 21-35, 2026-12-07
    /// 21:10-21:34, load 18-50, at 1be4f8a and d754bdf). Reported here, the race is the window's last operations.
    /// </summary>
    private void CheckHighatomicCap(long max)
    {
        if (DebugVm == null)
        {
            return;
        }

        DebugVm.Checked();
        if (_nrReservedHighatomic > max + HighatomicCapOvershoot)
        {
            DebugVm.Report(AuditRules.Describe(AuditRule.Highatomic),
                $"reserve_highatomic_pageblock() took nr_reserved_highatomic to {_nrReservedHighatomic}, over the cap {max}");
        }
    }

    /// <summary>
    /// unreserve_highatomic_pageblock()'s check before taking zone->lock: keep at least one block
    /// unless memory pressure is really high (<paramref name="force"/>).
    /// </summary>
    public bool HighatomicMayUnreserve(bool force)
    {
        return force || NrReservedHighatomic > PageAlloc.PageblockNrPages;
    }

    /// <summary>
    /// unreserve_highatomic_pageblock() under zone->lock: find the lowest-order free HIGHATOMIC chunk,
    /// give its block(s) back to <paramref name="toMt"/> and uncount them. Returns the pages moved to
    /// the new type's lists, 0 if there was nothing to release.
    /// </summary>
    public int UnreserveHighatomicPageblockLocked(MigrateType toMt)
    {
        AssertLocked();
        for (var order = 0; order < PageAlloc.NrPageOrders; order++)
        {
            var pfn = GetPageFromFreeArea(order, MigrateType.HighAtomic);
            if (pfn < 0)
            {
                continue;
            }

            long size = Math.Max(PageAlloc.PageblockNrPages, 1 << order);
            // Never underflow, should a change to the locking let a drain add HIGHATOMIC pages meanwhile.
            size = Math.Min(size, _nrReservedHighatomic);
            _seam.WriteOnce(ref _nrReservedHighatomic, _nrReservedHighatomic - size, SharedLocation.ZoneHighatomic, AccessSite.HighatomicUnreserveSub);

            int moved;
            if (order < PageAlloc.PageblockOrder)
            {
                moved = MoveFreepagesBlock(pfn, MigrateType.HighAtomic, toMt);
            }
            else
            {
                MoveToFreeList(pfn, order, MigrateType.HighAtomic, toMt);
                ChangePageblockRange(pfn, order, toMt);
                moved = 1;
                MergeRelabelledChunk(pfn, order, toMt);
            }

            if (moved > 0)
            {
                Events.HighatomicUnreserves++;
                return moved;
            }
        }

        return 0;
    }

    /// <summary>
    /// A wholly free chunk that was just relabelled from HIGHATOMIC to a mergeable type may now merge with
    /// a free buddy block. The kernel leaves the two unmerged until one of them is allocated; the emulation
    /// frees the chunk again so that free chunks stay maximally merged (../shared/KERNEL.md §7.3). A
    /// deviation of one merge, noted in the README's fidelity notes.
    /// </summary>
    private void MergeRelabelledChunk(int pfn, int order, MigrateType mt)
    {
        if (order >= PageAlloc.MaxPageOrder || !FindBuddy(pfn, order, out var buddy))
        {
            return;
        }

        var buddyMt = GetPageblockMigratetype(buddy);
        if (buddyMt != mt && (!MigrateTypes.IsMergeable(buddyMt) || !MigrateTypes.IsMergeable(mt)))
        {
            return;
        }

        DelFromFreeList(pfn, order, mt);
        FreeOnePage(pfn, order, mt, FpiFlags.None);
    }
}
