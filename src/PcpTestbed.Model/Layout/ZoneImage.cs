namespace PcpTestbed.Model.Layout;

/// <summary>
/// A zone described by counts, as /proc shows a real one: pageblocks per type, free chunks per
/// type and order, managed pages and watermarks. <see cref="ZoneBuilder.BuildImage"/> lays it out
/// as a consistent zone with exactly these counts; allocated pages fill the rest.
/// </summary>
public sealed record ZoneImage
{
    public required string Name { get; init; }

    /// <summary>Pageblocks of each migratetype, indexed by <see cref="MigrateType"/>.</summary>
    public required int[] BlockCounts { get; init; }

    /// <summary>Free chunks, indexed [migratetype, order] (the rows of /proc/pagetypeinfo).</summary>
    public required long[,] FreeChunks { get; init; }

    public required long ManagedPages { get; init; }

    public required Watermarks Watermarks { get; init; }

    public int StartPfn { get; init; }

    public int NrPageblocks => BlockCounts.Sum();

    public int PresentPages => NrPageblocks * PageAlloc.PageblockNrPages;

    public long FreePages(MigrateType mt)
    {
        long pages = 0;
        for (var order = 0; order < PageAlloc.NrPageOrders; order++)
        {
            pages += FreeChunks[(int)mt, order] << order;
        }

        return pages;
    }

    public long TotalFreePages() => MigrateTypes.All().Sum(FreePages);
}
