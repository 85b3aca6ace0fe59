namespace PcpTestbed.Model.Audit;

/// <summary>
/// Checks a zone against ../shared/KERNEL.md §7 items 1-3 (and the highatomic accounting of 6), plus
/// whatever a PCP design checks through <see cref="IPcpInventory"/>. Run it at quiescent points only:
/// it reads everything without locks.
/// </summary>
public static class ZoneAuditor
{
    public static AuditReport Audit(Zone zone, IPcpInventory? pcp = null)
    {
        var ctx = new AuditContext(zone);
        var listed = new bool[zone.PresentPages];
        var census = WalkChunks(zone, ctx);
        WalkFreeLists(zone, ctx, listed);
        CheckFreeChunks(zone, ctx, listed);
        CheckHighatomic(zone, ctx);
        CheckBlockZoneFree(zone, ctx);
        CheckOwnedBlocks(zone, ctx);
        pcp?.Audit(ctx);
        CheckPcpClaims(zone, ctx, pcp != null);

        if (census.Total != zone.PresentPages)
        {
            ctx.Report(AuditRule.SingleState, -1, $"pages by state add up to {census.Total}, the zone has {zone.PresentPages}");
        }

        if (census.ReservedPages != zone.ReservedPages)
        {
            ctx.Report(AuditRule.SingleState, -1, $"{census.ReservedPages} reserved pages, expected present - managed = {zone.ReservedPages}");
        }

        return new AuditReport(ctx.Violations.ToArray(), ctx.ViolationCount, census);
    }

    // §7.1: the zone is tiled by chunks; each head has a state and an order, each other page is a tail.
    private static PageCensus WalkChunks(Zone zone, AuditContext ctx)
    {
        long free = 0, pcp = 0, allocated = 0, reserved = 0;
        var pages = zone.Pages;
        for (var p = 0; p < zone.PresentPages;)
        {
            ref var page = ref pages[p];
            if (page.State == PageState.Tail)
            {
                ctx.Report(AuditRule.SingleState, p, "tail page outside any chunk (lost: not free, not on a PCP, not allocated)");
                p++;
                continue;
            }

            int order = page.Order;
            if (order > PageAlloc.MaxPageOrder)
            {
                ctx.Report(AuditRule.SingleState, p, $"{page.State} head with order {order} > MAX_PAGE_ORDER");
                p++;
                continue;
            }

            var size = 1 << order;
            if ((p & (size - 1)) != 0)
            {
                ctx.Report(AuditRule.SingleState, p, $"{page.State} chunk of order {order} is not aligned");
            }

            if (p + size > zone.PresentPages)
            {
                ctx.Report(AuditRule.SingleState, p, $"{page.State} chunk of order {order} runs past the zone's end");
                break;
            }

            for (var t = p + 1; t < p + size; t++)
            {
                if (pages[t].State != PageState.Tail)
                {
                    ctx.Report(AuditRule.SingleState, t,
                        $"{pages[t].State} head inside the {page.State} chunk of order {order} at pfn:{zone.AbsolutePfn(p):x} (a page in two states)");
                }
            }

            switch (page.State)
            {
                case PageState.Buddy:
                    free += size;
                    break;
                case PageState.Pcp:
                case PageState.PcpBuddy:
                    pcp += size;
                    break;
                case PageState.Allocated:
                    allocated += size;
                    break;
                case PageState.Reserved:
                    reserved += size;
                    break;
                case PageState.InFlight:
                    ctx.Report(AuditRule.SingleState, p, $"chunk of order {order} in flight at a quiescent point (on no list, not allocated)");
                    break;
                default:
                    ctx.Report(AuditRule.SingleState, p, $"unknown page state {(int)page.State}");
                    break;
            }

            p += size;
        }

        return new PageCensus(free, pcp, allocated, reserved);
    }

    // §7.2: every free list is well formed, holds only its own order and type, and the counters match.
    private static void WalkFreeLists(Zone zone, AuditContext ctx, bool[] listed)
    {
        var pages = zone.Pages;
        long nrFreePages = 0, nrFreeCma = 0, nrFreeHighatomic = 0;
        for (var order = 0; order < PageAlloc.NrPageOrders; order++)
        {
            long chunks = 0;
            foreach (var mt in MigrateTypes.All())
            {
                ref var list = ref zone.FreeList(order, mt);
                var where = $"free_area[{order}].free_list[{MigrateTypes.KernelName(mt)}]";
                var prev = -1;
                var limit = zone.PresentPages >> order;
                var n = 0;
                for (var p = list.First; p >= 0; p = PageList.Next(pages, p))
                {
                    if ((uint)p >= (uint)zone.PresentPages)
                    {
                        ctx.Report(AuditRule.Counters, -1, $"{where}: link to pfn index {p} outside the zone");
                        break;
                    }

                    if (++n > limit)
                    {
                        ctx.Report(AuditRule.Counters, p, $"{where}: longer than the zone could hold (a cycle)");
                        break;
                    }

                    ref var page = ref pages[p];
                    if (PageList.Prev(pages, p) != prev)
                    {
                        ctx.Report(AuditRule.Counters, p, $"{where}: prev link does not point back to the previous entry");
                    }

                    if (page.State != PageState.Buddy)
                    {
                        ctx.Report(AuditRule.SingleState, p, $"{where}: on a free list but its state is {page.State}");
                    }
                    else if (page.Order != order || page.Tag != (byte)mt)
                    {
                        ctx.Report(AuditRule.Counters, p,
                            $"{where}: page says order {page.Order} type {MigrateTypes.TagName(page.Tag)}");
                    }

                    if (listed[p])
                    {
                        ctx.Report(AuditRule.SingleState, p, $"{where}: on two free lists");
                        break;
                    }

                    listed[p] = true;
                    prev = p;
                }

                if (list.Last != prev)
                {
                    ctx.Report(AuditRule.Counters, -1, $"{where}: tail pointer is not the last entry");
                }

                if (zone.NrFree(order, mt) != n)
                {
                    ctx.Report(AuditRule.Counters, -1, $"{where}: its count (pagetypeinfo) is {zone.NrFree(order, mt)}, the list holds {n}");
                }

                chunks += n;
                var pagesOnList = (long)n << order;
                if (mt != MigrateType.Isolate)
                {
                    nrFreePages += pagesOnList;
                }

                if (mt == MigrateType.Cma)
                {
                    nrFreeCma += pagesOnList;
                }
                else if (mt == MigrateType.HighAtomic)
                {
                    nrFreeHighatomic += pagesOnList;
                }
            }

            if (zone.NrFree(order) != chunks)
            {
                ctx.Report(AuditRule.Counters, -1, $"free_area[{order}].nr_free is {zone.NrFree(order)}, its lists hold {chunks}");
            }
        }

        Expect(ctx, "NR_FREE_PAGES", zone.NrFreePages, nrFreePages);
        Expect(ctx, "NR_FREE_CMA_PAGES", zone.NrFreeCmaPages, nrFreeCma);
        Expect(ctx, "nr_free_highatomic", zone.NrFreeHighatomic, nrFreeHighatomic);
    }

    private static void Expect(AuditContext ctx, string counter, long actual, long expected)
    {
        if (actual != expected)
        {
            ctx.Report(AuditRule.Counters, -1, $"{counter} is {actual}, the free lists hold {expected}");
        }
    }

    // §7.3: each free chunk is listed, typed like its block(s) and maximally merged.
    private static void CheckFreeChunks(Zone zone, AuditContext ctx, bool[] listed)
    {
        var pages = zone.Pages;
        for (var p = 0; p < zone.PresentPages;)
        {
            ref var page = ref pages[p];
            if (page.State == PageState.Tail || page.Order > PageAlloc.MaxPageOrder)
            {
                p++;
                continue;
            }

            int order = page.Order;
            if (page.State == PageState.Buddy)
            {
                CheckFreeChunk(zone, ctx, listed, p, order, page.Tag);
            }

            p += 1 << order;
        }
    }

    /// <param name="listTag">The page's tag: the list it claims to be on (any byte: a corrupt page's is reported, never indexed with).</param>
    private static void CheckFreeChunk(Zone zone, AuditContext ctx, bool[] listed, int p, int order, byte listTag)
    {
        if (!listed[p])
        {
            ctx.Report(AuditRule.SingleState, p, $"free chunk of order {order} is on no free list (lost)");
        }

        var blocks = order > PageAlloc.PageblockOrder ? 1 << (order - PageAlloc.PageblockOrder) : 1;
        for (var b = 0; b < blocks; b++)
        {
            var blockMt = zone.GetPageblockMigratetype(p + b * PageAlloc.PageblockNrPages);
            if ((byte)blockMt != listTag)
            {
                ctx.Report(AuditRule.FreeShape, p,
                    $"free chunk of order {order} on the {MigrateTypes.TagName(listTag)} list, but its block is {MigrateTypes.KernelName(blockMt)}");
                break;
            }
        }

        if (order >= PageAlloc.MaxPageOrder || !zone.FindBuddy(p, order, out var buddy))
        {
            return;
        }

        if (order >= PageAlloc.PageblockOrder)
        {
            var mt = zone.GetPageblockMigratetype(p);
            var buddyMt = zone.GetPageblockMigratetype(buddy);
            if (mt != buddyMt && (!MigrateTypes.IsMergeable(mt) || !MigrateTypes.IsMergeable(buddyMt)))
            {
                return; // Blocks without fallbacks do not merge across.
            }
        }

        if (p < buddy)
        {
            ctx.Report(AuditRule.FreeShape, p, $"free chunk of order {order} and its free buddy pfn:{zone.AbsolutePfn(buddy):x} did not merge");
        }
    }

    // §7.6 accounting: the reserve counts whole HIGHATOMIC blocks and stays within its cap.
    private static void CheckHighatomic(Zone zone, AuditContext ctx)
    {
        long blocks = 0;
        for (var b = 0; b < zone.NrPageblocks; b++)
        {
            if (zone.Blocks[b].MigrateType == MigrateType.HighAtomic)
            {
                blocks++;
            }
        }

        var reserved = zone.NrReservedHighatomic;
        if (reserved != blocks * PageAlloc.PageblockNrPages)
        {
            ctx.Report(AuditRule.Highatomic, -1, $"nr_reserved_highatomic is {reserved}, the zone has {blocks} HIGHATOMIC blocks ({blocks * PageAlloc.PageblockNrPages} pages)");
        }

        if (reserved % PageAlloc.PageblockNrPages != 0)
        {
            ctx.Report(AuditRule.Highatomic, -1, $"nr_reserved_highatomic {reserved} is not a whole number of pageblocks");
        }

        // An order-9/10 reservation may legitimately pass the cap once (the kernel checks before adding).
        var cap = zone.HighatomicMaxPages;
        if (reserved > cap + zone.HighatomicCapOvershoot)
        {
            ctx.Report(AuditRule.Highatomic, -1, $"nr_reserved_highatomic {reserved} exceeds the cap {cap}");
        }
        else if (zone.NrReservedHighatomicPeak > cap + zone.HighatomicCapOvershoot)
        {
            ctx.Report(AuditRule.Highatomic, -1, $"nr_reserved_highatomic reached {zone.NrReservedHighatomicPeak}, over the cap {cap}, and is {reserved} now");
        }
    }

    // The per-block count of zone-free pages, which owned_blocks bookkeeping relies on.
    private static void CheckBlockZoneFree(Zone zone, AuditContext ctx)
    {
        var counted = new int[zone.NrPageblocks];
        var pages = zone.Pages;
        for (var p = 0; p < zone.PresentPages;)
        {
            ref var page = ref pages[p];
            if (page.State == PageState.Tail || page.Order > PageAlloc.MaxPageOrder)
            {
                p++;
                continue;
            }

            var size = 1 << page.Order;
            if (page.State == PageState.Buddy)
            {
                for (var q = p; q < p + size && q < zone.PresentPages; q += Math.Min(size, PageAlloc.PageblockNrPages))
                {
                    counted[q >> PageAlloc.PageblockOrder] += Math.Min(size, PageAlloc.PageblockNrPages);
                }
            }

            p += size;
        }

        for (var b = 0; b < zone.NrPageblocks; b++)
        {
            if (zone.Blocks[b].ZoneFree != counted[b])
            {
                ctx.Report(AuditRule.Counters, b << PageAlloc.PageblockOrder,
                    $"pageblock {b} counts {zone.Blocks[b].ZoneFree} zone-free pages, its free chunks hold {counted[b]}");
            }
        }
    }

    // §7.4 (zone side): owned_blocks holds exactly the owned blocks with some, not all, pages zone-free, once each.
    private static void CheckOwnedBlocks(Zone zone, AuditContext ctx)
    {
        var lists = zone.Ownership;
        var blocks = zone.Blocks;
        if (lists == null)
        {
            for (var b = 0; b < zone.NrPageblocks; b++)
            {
                if (blocks[b].Owner >= 0)
                {
                    ctx.Report(AuditRule.Ownership, b << PageAlloc.PageblockOrder, $"pageblock {b} is owned by CPU {blocks[b].Owner} but the zone tracks no ownership");
                }
            }

            return;
        }

        var seenOn = new int[zone.NrPageblocks]; // CPU + 1 whose list holds the block
        for (var cpu = 0; cpu < lists.Cpus; cpu++)
        {
            var n = 0;
            for (var b = lists.First(cpu); b >= 0; b = OwnedBlockLists.Next(blocks, b))
            {
                if (++n > zone.NrPageblocks)
                {
                    ctx.Report(AuditRule.Ownership, -1, $"CPU {cpu}'s owned_blocks list cycles");
                    break;
                }

                var pfn = b << PageAlloc.PageblockOrder;
                if (seenOn[b] != 0)
                {
                    ctx.Report(AuditRule.Ownership, pfn, $"pageblock {b} is on owned_blocks of CPU {seenOn[b] - 1} and CPU {cpu}");
                    break;
                }

                seenOn[b] = cpu + 1;
                if (blocks[b].Owner != cpu)
                {
                    ctx.Report(AuditRule.Ownership, pfn, $"pageblock {b} is on CPU {cpu}'s owned_blocks but owned by {OwnerName(blocks[b].Owner)}");
                }

                if (blocks[b].ZoneFree == 0)
                {
                    ctx.Report(AuditRule.Ownership, pfn, $"pageblock {b} is on CPU {cpu}'s owned_blocks with no pages in the zone buddy");
                }
            }

            if (n != lists.Length(cpu) && n <= zone.NrPageblocks)
            {
                ctx.Report(AuditRule.Ownership, -1, $"CPU {cpu}'s owned_blocks holds {n} blocks but counts {lists.Length(cpu)}");
            }
        }

        for (var b = 0; b < zone.NrPageblocks; b++)
        {
            ref var pb = ref blocks[b];
            var pfn = b << PageAlloc.PageblockOrder;
            if (pb.IsOnOwnedList != (seenOn[b] != 0))
            {
                ctx.Report(AuditRule.Ownership, pfn, $"pageblock {b}'s on-list flag says {pb.IsOnOwnedList}, the lists say {seenOn[b] != 0}");
            }

            if (pb.Owner < 0)
            {
                continue;
            }

            if (pb.Owner >= lists.Cpus)
            {
                ctx.Report(AuditRule.Ownership, pfn, $"pageblock {b} is owned by CPU {pb.Owner}, which does not exist");
            }
            else if (pb.ZoneFree == PageAlloc.PageblockNrPages)
            {
                ctx.Report(AuditRule.Ownership, pfn, $"pageblock {b} is wholly free in the zone buddy but still owned by CPU {pb.Owner}");
            }
            else if (pb.ZoneFree > 0 && seenOn[b] != pb.Owner + 1)
            {
                ctx.Report(AuditRule.Ownership, pfn, $"pageblock {b} owned by CPU {pb.Owner} has {pb.ZoneFree} pages in the zone buddy but is not on its owned_blocks");
            }
        }
    }

    private static string OwnerName(int owner) => owner < 0 ? "nobody" : $"CPU {owner}";

    private static void CheckPcpClaims(Zone zone, AuditContext ctx, bool designAudited)
    {
        var pages = zone.Pages;
        for (var p = 0; p < zone.PresentPages;)
        {
            ref var page = ref pages[p];
            if (page.State == PageState.Tail || page.Order > PageAlloc.MaxPageOrder)
            {
                p++;
                continue;
            }

            if (page.State is PageState.Pcp or PageState.PcpBuddy && !ctx.IsPcpClaimed(p))
            {
                var why = designAudited ? "no PCP list holds it (lost)" : "the zone has PCP pages but no design audited them";
                ctx.Report(AuditRule.SingleState, p, $"{page.State} chunk of order {page.Order}: {why}");
            }

            p += 1 << page.Order;
        }
    }
}
