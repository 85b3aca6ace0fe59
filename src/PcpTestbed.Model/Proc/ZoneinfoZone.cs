namespace PcpTestbed.Model.Proc;

/// <summary>
/// One "Node N, zone NAME" section of /proc/zoneinfo (zoneinfo_show_print() in mm/vmstat.c).
/// Fields a kernel may not print (promo before 6.1, cma without CONFIG_CMA, everything after
/// "protection" for an unpopulated zone) are null when absent.
/// </summary>
public sealed record ZoneinfoZone
{
    public required int Node { get; init; }

    public required string Name { get; init; }

    /// <summary>The line of the "Node N, zone NAME" header.</summary>
    public required int Line { get; init; }

    /// <summary>"pages free": NR_FREE_PAGES when the file was read.</summary>
    public required long PagesFree { get; init; }

    /// <summary>zone->watermark_boost. The min, low, high and promo lines already include it.</summary>
    public required long Boost { get; init; }

    /// <summary>min_wmark_pages(): _watermark[WMARK_MIN] + boost.</summary>
    public required long Min { get; init; }

    public required long Low { get; init; }

    public required long High { get; init; }

    public long? Promo { get; init; }

    public required long Spanned { get; init; }

    public required long Present { get; init; }

    public required long Managed { get; init; }

    public long? Cma { get; init; }

    /// <summary>lowmem_reserve[] for allocations targeting each zone index.</summary>
    public IReadOnlyList<long> Protection { get; init; } = [];

    public long? NrFreePages { get; init; }

    public long? NrFreeCma { get; init; }

    public long? StartPfn { get; init; }

    /// <summary>zone->nr_reserved_highatomic, printed by kernels newer than 6.18 (null before).</summary>
    public long? ReservedHighatomic { get; init; }

    public long? FreeHighatomic { get; init; }

    public IReadOnlyList<ZoneinfoPageset> Pagesets { get; init; } = [];

    /// <summary>Line numbers of the fields read, by the name zoneinfo gives them ("managed", "pages free").</summary>
    public IReadOnlyDictionary<string, int> FieldLines { get; init; } = new Dictionary<string, int>();

    /// <summary>
    /// zone->_watermark[]: what the kernel's formulas set, without the boost that /proc adds to
    /// each mark. Kernels without a promo line get high + (high - low), the step the formula uses.
    /// </summary>
    public Watermarks UnboostedWatermarks
    {
        get
        {
            var promo = Promo ?? High + (High - Low);
            return new Watermarks(Min - Boost, Low - Boost, High - Boost, promo - Boost);
        }
    }

    /// <summary>The line a field was read from, or the section header when it was not printed.</summary>
    public int LineOf(string field) => FieldLines.TryGetValue(field, out var line) ? line : Line;
}
