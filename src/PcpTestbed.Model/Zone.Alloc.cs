namespace PcpTestbed.Model;

// The zone's side of handing pages out and taking them back: rmqueue_buddy()'s body under
// zone->lock, prep_new_page(), and the checks free_pages_prepare() makes before a free.
public sealed partial class Zone
{
    /// <summary>
    /// rmqueue_buddy() under zone->lock: ALLOC_HIGHATOMIC requests try the HIGHATOMIC lists first;
    /// then __rmqueue(); if that fails, OOM and non-blocking requests may still dip into HIGHATOMIC.
    /// Returns the pfn (in flight: the caller hands it out) or -1.
    /// </summary>
    public int RmqueueBuddyLocked(int order, MigrateType mt, AllocFlags allocFlags)
    {
        AssertLocked();
        var pfn = -1;
        if ((allocFlags & AllocFlags.HighAtomic) != 0)
        {
            pfn = RmqueueSmallest(order, MigrateType.HighAtomic);
        }

        if (pfn < 0)
        {
            var mode = RmqueueMode.Normal;
            pfn = Rmqueue(order, mt, allocFlags, ref mode);

            // Failing now is worse than failing a high-order atomic allocation later.
            if (pfn < 0 && (allocFlags & (AllocFlags.Oom | AllocFlags.NonBlock)) != 0)
            {
                pfn = RmqueueSmallest(order, MigrateType.HighAtomic);
            }
        }

        return pfn;
    }

    /// <summary>
    /// prep_new_page(): the chunk is now the caller's. With checks on (<see cref="Checked"/>), check_new_pages()
    /// first: the head must have come off a list in this allocation (in flight, at this order) and every other page
    /// of the chunk must be a tail, else <see cref="BadPageException"/> at once, nothing changed. Where the head came
    /// from was checked when it left its list (<see cref="CheckFreeListPage"/>, and the designs' PCP list removal).
    /// </summary>
    public void PrepNewPage(int pfn, int order, MigrateType requested)
    {
        if (Checked)
        {
            CheckNewPages(pfn, order);
        }

        ref var page = ref Pages[pfn];
        page.State = PageState.Allocated;
        page.Order = (byte)order;
        page.Tag = (byte)requested;
    }

    /// <summary>What the page at <paramref name="pfn"/> is, in a bad page report's words.</summary>
    public string DescribePage(int pfn)
    {
        ref var page = ref Pages[pfn];
        return page.State switch
        {
            PageState.Tail => "a tail page inside another chunk",
            PageState.Buddy => $"an order-{page.Order} chunk on the {MigrateTypes.TagName(page.Tag)} zone free list",
            PageState.Allocated => $"allocated (order {page.Order})",
            PageState.Pcp or PageState.PcpBuddy => $"an order-{page.Order} chunk on CPU {page.Cpu}'s PCP ({page.State})",
            PageState.InFlight => "in flight (off every list, not handed out)",
            PageState.Reserved => "reserved (PG_reserved)",
            _ => page.State.ToString(),
        };
    }

    /// <summary>
    /// check_new_page() where a chunk leaves a zone free list: it must be the free order-<paramref name="order"/>
    /// head that list holds. Anything else (allocated, on a PCP, a tail, another order or type) is a bad page.
    /// </summary>
    private void CheckFreeListPage(int pfn, int order, MigrateType mt)
    {
        ref var page = ref Pages[pfn];
        if (page.State != PageState.Buddy || page.Order != order || page.Tag != (byte)mt)
        {
            throw new BadPageException(AbsolutePfn(pfn), order, BadPageReason.NotFree,
                $"taken off free_area[{order}].free_list[{MigrateTypes.KernelName(mt)}] but the page is {DescribePage(pfn)}");
        }
    }

    private void CheckNewPages(int pfn, int order)
    {
        ref var page = ref Pages[pfn];
        if (page.State != PageState.InFlight || page.Order != order)
        {
            throw new BadPageException(AbsolutePfn(pfn), order, BadPageReason.NotFree,
                $"handed out, but the page is {DescribePage(pfn)}, not an order-{order} chunk this allocation took off a list");
        }

        for (var p = pfn + 1; p < pfn + (1 << order); p++)
        {
            if (Pages[p].State != PageState.Tail)
            {
                throw new BadPageException(AbsolutePfn(pfn), order, BadPageReason.NotFree,
                    $"handed out, but pfn {AbsolutePfn(p):x} inside the chunk is {DescribePage(p)}");
            }
        }
    }

    /// <summary>
    /// free_one_page()'s body under zone->lock: the chunk goes back to the buddy lists block by block
    /// (split_large_buddy()), each part with its block's current migratetype.
    /// </summary>
    public void FreeOnePageLocked(int pfn, int order, FpiFlags fpi = FpiFlags.None)
    {
        AssertLocked();
        Pages[pfn].State = PageState.InFlight;
        SplitLargeBuddy(pfn, order, fpi);
    }

    /// <summary>
    /// free_pages_prepare()'s checks, made before anything changes: the absolute pfn must head an
    /// allocated chunk of exactly this order. Returns the zone-relative pfn.
    /// </summary>
    /// <exception cref="BadPageException">The free is misuse; the zone is unchanged.</exception>
    public int ValidateFree(long absolutePfn, int order)
    {
        if (!PageAlloc.IsValidOrder(order))
        {
            throw new BadPageException(absolutePfn, order, BadPageReason.OrderOutOfRange, $"order {order}");
        }

        var pfn = RelativePfn(absolutePfn);
        if (pfn < 0)
        {
            throw new BadPageException(absolutePfn, order, BadPageReason.OutsideZone,
                $"zone {Name} spans pfn {StartPfn:x}..{AbsolutePfn(PresentPages - 1):x}");
        }

        if ((pfn & ((1 << order) - 1)) != 0)
        {
            throw new BadPageException(absolutePfn, order, BadPageReason.Misaligned, $"an order-{order} chunk starts at a multiple of {1 << order}");
        }

        ref var page = ref Pages[pfn];
        switch (page.State)
        {
            case PageState.Allocated when page.Order == order:
                return pfn;
            case PageState.Allocated:
                throw new BadPageException(absolutePfn, order, BadPageReason.WrongOrder, $"allocated at order {page.Order}");
            case PageState.Buddy:
                throw new BadPageException(absolutePfn, order, BadPageReason.DoubleFree, "page is on a zone free list");
            case PageState.Pcp:
            case PageState.PcpBuddy:
                throw new BadPageException(absolutePfn, order, BadPageReason.DoubleFree, $"page is on CPU {page.Cpu}'s PCP");
            case PageState.Reserved:
                throw new BadPageException(absolutePfn, order, BadPageReason.NotAllocated, "page is reserved (PG_reserved)");
            default:
                throw new BadPageException(absolutePfn, order, BadPageReason.NotAllocated,
                    page.State == PageState.Tail ? "page is not the head of an allocated chunk" : $"page is {page.State}");
        }
    }
}
