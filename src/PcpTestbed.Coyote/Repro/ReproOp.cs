namespace PcpTestbed.Coyote.Repro;

/// <summary>
/// One recorded allocator operation of a reproduction file, with pages named by handle (a page allocated in the window gets
/// the next handle; a page the window frees that was allocated before it is a <see cref="ReproPage"/>), never by pfn: a
/// replay may hand out other pfns.
/// </summary>
public sealed record ReproOp
{
    /// <summary>The position in the approximate global order (coarse epochs, then a merge that keeps every page's alloc before its free).</summary>
    public required int Seq { get; init; }

    /// <summary>alloc, free, free-batch, drain-all-pages, decay-pcp-high, clear-boost, cpu-dead, cpu-online.</summary>
    public required string Op { get; init; }

    public int? Order { get; init; }

    /// <summary>alloc: the gfp mask.</summary>
    public uint? Gfp { get; init; }

    /// <summary>alloc: the handle of the page it returned; free: the page it frees.</summary>
    public int? Page { get; init; }

    /// <summary>
    /// alloc: the absolute pfn the run got (null: it failed or did not return, or a file written before it was recorded). A
    /// rebuild from the ballast may hand out another; one from the snapshot starts where the run did.
    /// </summary>
    public long? Pfn { get; init; }

    /// <summary>free-batch: the folios, in batch order.</summary>
    public IReadOnlyList<ReproFolio>? Folios { get; init; }

    /// <summary>
    /// alloc: the pages its direct reclaim freed inside it on the run (try_to_free_pages() from __alloc_pages_slowpath(): the
    /// page cache the reclaim model frees), in the order freed; null when it did not reclaim. A replay frees them from the
    /// allocation's own direct reclaim (<see cref="ReproReclaim"/>).
    /// </summary>
    public IReadOnlyList<ReproFolio>? Reclaimed { get; init; }

    /// <summary>cpu-dead, cpu-online: the CPU going or coming.</summary>
    public int? Target { get; init; }

    /// <summary>alloc: it returned no page on the real run.</summary>
    public bool? Failed { get; init; }

    /// <summary>The operation had not returned when the window was cut (the failing one, or one in flight).</summary>
    public bool? DidNotReturn { get; init; }

    /// <summary>The coordinator's epoch when it ended.</summary>
    public int Epoch { get; init; }

    public const string Alloc = "alloc";
    public const string Free = "free";
    public const string FreeBatch = "free-batch";
    public const string DrainAllPages = "drain-all-pages";
    public const string DecayPcpHigh = "decay-pcp-high";
    public const string ClearBoost = "clear-boost";
    public const string CpuDead = "cpu-dead";
    public const string CpuOnline = "cpu-online";

    public static readonly IReadOnlyList<string> Names = [Alloc, Free, FreeBatch, DrainAllPages, DecayPcpHigh, ClearBoost, CpuDead, CpuOnline];

    /// <summary>The pages a free, a batched free or an allocation's direct reclaim gives back (none for the other operations).</summary>
    public IEnumerable<int> FreedPages() => Op switch
    {
        Free => [Page!.Value],
        FreeBatch => (Folios ?? []).Select(f => f.Page),
        Alloc => (Reclaimed ?? []).Select(f => f.Page),
        _ => [],
    };

    /// <summary>How a step log and the story name it, e.g. "free(page h3, order 0)".</summary>
    public string Describe() => Op switch
    {
        Alloc => $"alloc(order {Order}, gfp 0x{Gfp:x}) -> h{Page}" + (Reclaimed is { Count: > 0 } r ? $", reclaiming {string.Join(", ", r.Select(f => $"h{f.Page}"))}" : ""),
        Free => $"free(page h{Page}, order {Order})",
        FreeBatch => $"free_unref_folios({string.Join(", ", (Folios ?? []).Select(f => $"h{f.Page}"))})",
        CpuDead => $"page_alloc_cpu_dead(CPU {Target})",
        CpuOnline => $"page_alloc_cpu_online(CPU {Target})",
        DrainAllPages => "drain_all_pages()",
        DecayPcpHigh => "decay_pcp_high()",
        ClearBoost => "balance_pgdat:clear_boost",
        _ => Op,
    };
}
