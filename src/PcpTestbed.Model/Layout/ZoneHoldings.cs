using System.Text.Json.Serialization;

namespace PcpTestbed.Model.Layout;

/// <summary>
/// What a zone holds at a quiescent point that a rebuild from the operations after it cannot derive: every allocated chunk
/// (pfn, order and the migratetype it was requested with, as runs of neighbours), every pageblock's migratetype (a block a
/// fallback claimed, a highatomic reserve), nr_reserved_highatomic and watermark_boost; and, to compare a rebuild against,
/// NR_FREE_PAGES and the pages on PCP lists. Taken by the run's coordinator at each clean audit (every CPU parked), read
/// without locks (<see cref="Take"/>), and carried through the flight recording into the reproduction file, where
/// <c>explore --from-repro</c> allocates it again as ballast before the window.
/// </summary>
/// <remarks>
/// Not recorded, because a rebuild restores it from elsewhere or cannot restore it at all: the pages on each CPU's PCP
/// lists (free in the rebuild, on the buddy lists: <see cref="PcpPages"/> says how many), the free lists' order within a
/// list, a pageblock design's block owners, the zone's flags. The free chunks need no record: with the same zone spec, the
/// same held chunks and the same block types, the buddy allocator's free chunks are what is left, merged as far as the
/// blocks' types let them (a run's PCP pages and unmerged neighbours aside).
/// </remarks>
public sealed record ZoneHoldings
{
    /// <summary>Allocated chunks by runs of neighbours of one order and migratetype, in pfn order.</summary>
    public required IReadOnlyList<HeldChunks> Held { get; init; }

    /// <summary>Each pageblock's migratetype (<see cref="MigrateType"/> as a number), in block order.</summary>
    public required IReadOnlyList<int> BlockTypes { get; init; }

    /// <summary>zone->nr_reserved_highatomic.</summary>
    public long NrReservedHighatomic { get; init; }

    /// <summary>zone->watermark_boost.</summary>
    public long WatermarkBoost { get; init; }

    /// <summary>NR_FREE_PAGES (the buddy lists' pages, PCP pages not counted).</summary>
    public long NrFreePages { get; init; }

    /// <summary>Pages on the CPUs' PCP lists.</summary>
    public long PcpPages { get; init; }

    /// <summary>Pages allocated (held).</summary>
    [JsonIgnore]
    public long HeldPages => Held.Sum(h => h.Pages);

    /// <summary>
    /// The zone's holdings now. Only at a quiescent point (every CPU parked): it reads every page and counter without
    /// locks. One walk of the page array, like the audit's own (<see cref="Audit.ZoneAuditor"/>).
    /// </summary>
    public static ZoneHoldings Take(Zone zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var held = new List<HeldChunks>();
        var pages = zone.Pages;
        long pcp = 0;

        // The run of neighbours being gathered: its first pfn, order, migratetype and chunks (0: none).
        long runPfn = 0;
        int runOrder = 0, runMt = 0, runCount = 0;
        for (var p = 0; p < zone.PresentPages;)
        {
            ref var page = ref pages[p];
            var size = page.State == PageState.Tail || page.Order > PageAlloc.MaxPageOrder ? 1 : 1 << page.Order;
            if (page.State is PageState.Pcp or PageState.PcpBuddy)
            {
                pcp += size;
            }
            else if (page.State == PageState.Allocated)
            {
                var pfn = zone.AbsolutePfn(p);
                if (runCount > 0 && runOrder == page.Order && runMt == page.Tag && runPfn + ((long)runCount << runOrder) == pfn)
                {
                    runCount++;
                }
                else
                {
                    if (runCount > 0)
                    {
                        held.Add(new HeldChunks(runPfn, runOrder, runMt, runCount));
                    }

                    (runPfn, runOrder, runMt, runCount) = (pfn, page.Order, page.Tag, 1);
                }
            }

            p += size;
        }

        if (runCount > 0)
        {
            held.Add(new HeldChunks(runPfn, runOrder, runMt, runCount));
        }

        return new ZoneHoldings
        {
            Held = held,
            BlockTypes = Enumerable.Range(0, zone.NrPageblocks).Select(b => (int)zone.GetPageblockMigratetype(b << PageAlloc.PageblockOrder)).ToArray(),
            NrReservedHighatomic = zone.NrReservedHighatomic,
            WatermarkBoost = zone.WatermarkBoost,
            NrFreePages = zone.NrFreePages,
            PcpPages = pcp,
        };
    }
}
