using PcpTestbed.Model;

namespace PcpTestbed.Workloads.Observe;

/// <summary>
/// One reading of the zone's free pages, taken racily while the CPUs run, as reading /proc/pagetypeinfo and
/// /proc/zoneinfo would be without zone->lock: each number is one that held at some instant, but they need not
/// agree with each other.
/// </summary>
public sealed class FreePageSample
{
    private readonly long[] _chunks;

    /// <param name="chunks">Free chunks per (order, migratetype) at [order * <see cref="MigrateTypes.Count"/> + mt].</param>
    public FreePageSample(double seconds, long nrFreePages, long nrFreeCma, long nrFreeHighatomic, long nrReservedHighatomic, long[] chunks)
    {
        if (chunks.Length != PageAlloc.NrPageOrders * MigrateTypes.Count)
        {
            throw new ArgumentException($"expected {PageAlloc.NrPageOrders * MigrateTypes.Count} counts, got {chunks.Length}", nameof(chunks));
        }

        Seconds = seconds;
        NrFreePages = nrFreePages;
        NrFreeCma = nrFreeCma;
        NrFreeHighatomic = nrFreeHighatomic;
        NrReservedHighatomic = nrReservedHighatomic;
        _chunks = chunks;
    }

    /// <summary>Since the run's start, s.</summary>
    public double Seconds { get; }

    /// <summary>NR_FREE_PAGES: free pages on every list but ISOLATE.</summary>
    public long NrFreePages { get; }

    /// <summary>NR_FREE_CMA_PAGES.</summary>
    public long NrFreeCma { get; }

    /// <summary>zone->nr_free_highatomic.</summary>
    public long NrFreeHighatomic { get; }

    /// <summary>zone->nr_reserved_highatomic.</summary>
    public long NrReservedHighatomic { get; }

    /// <summary>Free pages per migratetype: the chunks on its lists times their sizes.</summary>
    public IReadOnlyDictionary<string, long> FreePages => MigratetypeKeys.ByType(FreePagesOf);

    /// <summary>/proc/pagetypeinfo's "Free pages count per migrate type at order": per migratetype, free chunks at orders 0..10.</summary>
    public IReadOnlyDictionary<string, long[]> NrFree => MigratetypeKeys.ByType(mt =>
        Enumerable.Range(0, PageAlloc.NrPageOrders).Select(order => Chunks(order, mt)).ToArray());

    public long Chunks(int order, MigrateType mt) => _chunks[(order * MigrateTypes.Count) + (int)mt];

    public long FreePagesOf(MigrateType mt)
    {
        long pages = 0;
        for (var order = 0; order < PageAlloc.NrPageOrders; order++)
        {
            pages += Chunks(order, mt) << order;
        }

        return pages;
    }

    /// <summary>Reads the zone's counters now, without zone->lock.</summary>
    public static FreePageSample Read(Zone zone, double seconds)
    {
        var chunks = new long[PageAlloc.NrPageOrders * MigrateTypes.Count];
        for (var order = 0; order < PageAlloc.NrPageOrders; order++)
        {
            foreach (var mt in MigrateTypes.All())
            {
                chunks[(order * MigrateTypes.Count) + (int)mt] = zone.NrFree(order, mt);
            }
        }

        return new FreePageSample(seconds, zone.NrFreePages, zone.NrFreeCmaPages, zone.NrFreeHighatomic, zone.NrReservedHighatomic, chunks);
    }
}
