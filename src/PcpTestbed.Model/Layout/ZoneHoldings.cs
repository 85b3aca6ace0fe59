using System.Text.Json.Serialization;

namespace PcpTestbed.Model.Layout;

/// <summary>
/// What a zone holds at a quiescent point that a rebuild from the operations after it cannot derive: every allocated chunk
/// (pfn, order and the migratetype it was requested with, as runs of neighbours), every pageblock's migratetype (a block a
/// fallback claimed, a highatomic reserve), nr_reserved_highatomic and watermark_boost; and, to compare a rebuild against,
/// NR_FREE_PAGES and the pages on PCP lists. A run's flight recorder derives it (<see cref="Of"/>) from the allocator
/// snapshot its last clean audit took (every CPU parked), when the run broke, and carries it into the reproduction file,
/// where <c>explore --from-repro</c> allocates it again as ballast before the window; <see cref="Take"/> reads a live zone
/// at a quiescent point, without locks.
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
        return Of(zone.Pages, zone.Blocks, zone.StartPfn, zone.NrReservedHighatomic, zone.WatermarkBoost, zone.NrFreePages);
    }

    /// <summary>
    /// The holdings <see cref="Take"/> would have read from the zone when <paramref name="snapshot"/> was taken of it, from the
    /// snapshot's copy (a snapshot holds zone-relative pfns: <paramref name="startPfn"/> is the zone's first). A run's clean
    /// audits take the snapshot alone; a reproduction file's holdings are derived from it when the file is written.
    /// </summary>
    public static ZoneHoldings Of(ZoneSnapshot snapshot, int startPfn)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return Of(snapshot.Pages, snapshot.Blocks, startPfn, snapshot.NrReservedHighatomic, snapshot.WatermarkBoost, snapshot.NrFreePages);
    }

    private static ZoneHoldings Of(ReadOnlySpan<Page> pages, ReadOnlySpan<Pageblock> blocks, int startPfn, long nrReservedHighatomic, long watermarkBoost, long nrFreePages)
    {
        var held = new List<HeldChunks>();
        long pcp = 0;

        // The run of neighbours being gathered: its first pfn, order, migratetype and chunks (0: none).
        long runPfn = 0;
        int runOrder = 0, runMt = 0, runCount = 0;
        for (var p = 0; p < pages.Length;)
        {
            ref readonly var page = ref pages[p];
            var size = page.State == PageState.Tail || page.Order > PageAlloc.MaxPageOrder ? 1 : 1 << page.Order;
            if (page.State is PageState.Pcp or PageState.PcpBuddy)
            {
                pcp += size;
            }
            else if (page.State == PageState.Allocated)
            {
                var pfn = (long)startPfn + p;
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

        var types = new int[blocks.Length];
        for (var b = 0; b < blocks.Length; b++)
        {
            types[b] = (int)blocks[b].MigrateType;
        }

        return new ZoneHoldings
        {
            Held = held,
            BlockTypes = types,
            NrReservedHighatomic = nrReservedHighatomic,
            WatermarkBoost = watermarkBoost,
            NrFreePages = nrFreePages,
            PcpPages = pcp,
        };
    }
}
