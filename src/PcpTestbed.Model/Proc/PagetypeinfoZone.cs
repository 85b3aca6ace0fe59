namespace PcpTestbed.Model.Proc;

/// <summary>
/// One zone's rows of /proc/pagetypeinfo: free chunks per migratetype and order (from the
/// "Free pages count per migrate type" table) and pageblocks per migratetype (from the
/// "Number of blocks type" table). Types the kernel did not print (CMA without CONFIG_CMA) count 0.
/// </summary>
public sealed record PagetypeinfoZone
{
    public required int Node { get; init; }

    public required string Name { get; init; }

    /// <summary>Free chunks, indexed [migratetype, order], as the table prints them.</summary>
    public required long[,] FreeChunks { get; init; }

    /// <summary>
    /// [migratetype, order] entries printed as "&gt;100000": the kernel stops counting a list at
    /// 100000 entries (pagetypeinfo_showfree_print()), so the true count is at least that.
    /// </summary>
    public required bool[,] FreeCapped { get; init; }

    /// <summary>The line of each migratetype's free-page row, 0 where the file has none.</summary>
    public required int[] FreeRowLines { get; init; }

    /// <summary>Pageblocks of each migratetype.</summary>
    public required long[] BlockCounts { get; init; }

    /// <summary>The line of the zone's "Number of blocks type" row, 0 if the file has none.</summary>
    public required int BlocksLine { get; init; }

    /// <summary>The migratetype columns the block table's header named.</summary>
    public required IReadOnlyList<MigrateType> BlockColumns { get; init; }

    public bool AnyCapped => FreeCapped.Cast<bool>().Any(c => c);

    /// <summary>The first free-page row of the zone, 0 if there is none.</summary>
    public int FirstFreeRowLine => FreeRowLines.Where(l => l > 0).DefaultIfEmpty(0).Min();

    public long NrPageblocks => BlockCounts.Sum();

    /// <summary>Free pages the table adds up to: Σ chunks × 2^order, ISOLATE included.</summary>
    public long FreePages()
    {
        long pages = 0;
        for (var mt = 0; mt < MigrateTypes.Count; mt++)
        {
            for (var order = 0; order < PageAlloc.NrPageOrders; order++)
            {
                pages += FreeChunks[mt, order] << order;
            }
        }

        return pages;
    }
}
