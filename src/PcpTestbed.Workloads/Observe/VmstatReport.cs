using PcpTestbed.Designs;

namespace PcpTestbed.Workloads.Observe;

/// <summary>
/// vmstat-style counters of a run. <see cref="Pgalloc"/> and <see cref="Pgfree"/> count pages allocated and freed
/// during the measured run (the kernel's pgalloc_* and pgfree), by migratetype too: pgalloc by the requested type
/// (gfp_migratetype()), pgfree by the type of the freed page's pageblock (what free_frozen_page() reads). The nr_free_*
/// and nr_reserved_highatomic ranges come from the free-page samples (<see cref="FreePageSampler"/>).
/// </summary>
public sealed record VmstatReport(
    long Pgalloc,
    long Pgfree,
    IReadOnlyDictionary<string, long> PgallocByMigratetype,
    IReadOnlyDictionary<string, long> PgfreeByMigratetype,
    CounterRange NrFreePages,
    CounterRange NrFreeCma,
    CounterRange NrFreeHighatomic,
    CounterRange NrReservedHighatomic)
{
    public static VmstatReport From(AllocatorStats stats, FreePageSampler samples) => new(
        stats.AllocatedPages,
        stats.FreedPages,
        MigratetypeKeys.ByType(mt => stats.PgallocByMigratetype[(int)mt]),
        MigratetypeKeys.ByType(mt => stats.PgfreeByMigratetype[(int)mt]),
        samples.Range(s => s.NrFreePages),
        samples.Range(s => s.NrFreeCma),
        samples.Range(s => s.NrFreeHighatomic),
        samples.Range(s => s.NrReservedHighatomic));
}
