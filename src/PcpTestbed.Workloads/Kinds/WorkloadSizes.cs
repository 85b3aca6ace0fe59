using PcpTestbed.Workloads.Work;

namespace PcpTestbed.Workloads.Kinds;

/// <summary>
/// The sizes a run's workload uses: the published scenario sizes, capped so every CPU's share fits the zone. A size
/// given on the command line is used as given. The cap is half of the pages free when the run starts, split evenly over
/// the workload's CPUs (the other half is for the PCPs, the watermarks, the page cache of a pressure run and the
/// queues), so a run measures the PCP layer, not exhaustion; when it applies, <see cref="Notes"/> says so.
/// </summary>
public sealed record WorkloadSizes
{
    /// <summary>will-it-scale page_fault1: <c>#define MEMSIZE (128 * 1024 * 1024)</c> mapped, touched and unmapped per task per iteration (tests/page_fault1.c).</summary>
    public const int PageFault1Pages = 32_768;

    /// <summary>
    /// An exiting process's size: 256 MiB. The RFC names process exits "tearing down large address spaces" that
    /// "overwhelm per-CPU PCP capacity" without a figure (Johannes Weiner, "[RFC 2/2] mm: page_alloc: per-cpu pageblock
    /// buddy allocator", 2026-04-03, &lt;20260403194526.477775-3-hannes@cmpxchg.org&gt;); Meta's fleet sees single PCP
    /// drains of 2,000+ pages (Joshua Hahn, "[PATCH 0/4] mm/page_alloc: Batch callers of free_pcppages_bulk",
    /// 2025-09-19, &lt;20250919195223.1560636-1-joshua.hahnjy@gmail.com&gt;), so a PCP holds 8-16 MiB and 256 MiB is
    /// 16-32 times that: the PCP overflows all through the exit.
    /// </summary>
    public const int ExitPages = 65_536;

    /// <summary>
    /// jemalloc purges one extent per madvise(MADV_DONTNEED) (pac_decay_stashed(), pages_purge_forced()): slabs of 1-7
    /// pages, large size classes from 4 pages, runs coalesced up to a 2 MiB hugepage and beyond. Published means are 5.7
    /// and 779 pages per madvise (jemalloc issues #1532 and #2688); no distribution is published, so extents are drawn
    /// log-uniform over 1..512 pages (mean 82, median 23: every octave alike).
    /// </summary>
    public const int PurgeExtentMaxPagesDefault = 512;

    public required int RunLengthPages { get; init; }

    public required int ExitFillPages { get; init; }

    public required int PurgeExtentMaxPages { get; init; }

    /// <summary>Pages per CPU the cap allows: half of the free pages at the start over the workload's CPUs.</summary>
    public required long CapPages { get; init; }

    /// <summary>udp: packets one page_frag refill serves at order 1 (and at order 0 after a fallback).</summary>
    public int UdpPacketsOrder1 => PageFrag.Packets(1);

    public int UdpPacketsOrder0 => PageFrag.Packets(0);

    /// <summary>What was capped, and why, for the run's header and JSON.</summary>
    public required IReadOnlyList<string> Notes { get; init; }

    /// <summary>
    /// The sizes for <paramref name="kind"/> on <paramref name="cpus"/> CPUs with <paramref name="freePages"/> pages free at
    /// the start; <see cref="Notes"/> speak of the sizes <paramref name="kind"/> uses (none when it is null).
    /// </summary>
    public static WorkloadSizes For(WorkloadKind? kind, WorkloadParameters p, long freePages, int cpus)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cpus, 1);
        var cap = Math.Max(1, freePages / 2 / cpus);
        var notes = new List<string>();
        var runLength = p.RunLength ?? Capped(PageFault1Pages, "page_fault1's 128 MiB per task", kind is WorkloadKind.PageFault or WorkloadKind.Cma);
        var exitFill = p.ExitFillPages ?? Capped(ExitPages, "a 256 MiB process per exiting CPU", kind is WorkloadKind.Exit);
        return new WorkloadSizes
        {
            RunLengthPages = runLength,
            ExitFillPages = exitFill,
            PurgeExtentMaxPages = p.PurgeExtentMaxPages ?? PurgeExtentMaxPagesDefault,
            CapPages = cap,
            Notes = notes,
        };

        int Capped(int pages, string what, bool applies)
        {
            if (pages <= cap)
            {
                return pages;
            }

            if (applies)
            {
                notes.Add($"{WorkloadKinds.Name(kind!.Value)}: {what} ({pages:N0} pages) does not fit: each of {cpus} CPUs uses {cap:N0} pages " +
                          $"({cap * 4 / 1024.0:0.#} MiB), half of the {freePages:N0} free pages split over the CPUs; a zone of " +
                          $"{ZoneFor(pages, cpus)} or more gives the full size");
            }

            return (int)cap;
        }
    }

    /// <summary>A zone size (as --zone-size takes it) whose free pages would hold <paramref name="pages"/> per CPU at the cap.</summary>
    private static string ZoneFor(long pages, int cpus)
    {
        // Twice the CPUs' pages, rounded up to a power of two of MiB.
        var neededPages = 2L * pages * cpus;
        var mib = Math.Max(2, neededPages * 4 / 1024);
        var size = 2L;
        while (size < mib)
        {
            size *= 2;
        }

        return size >= 1024 ? $"{size / 1024}G" : $"{size}M";
    }
}
