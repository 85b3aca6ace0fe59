using PcpTestbed.Model;

namespace PcpTestbed.Workloads.Kinds;

/// <summary>The workloads that cause zone->lock contention in production, by name.</summary>
public enum WorkloadKind
{
    PageFault,
    Purge,
    Exit,
    Udp,
    Cma,
    Mixed,
}

public static class WorkloadKinds
{
    private static readonly NameTable<WorkloadKind> Table = new(
        (WorkloadKind.PageFault, "page-fault", "each CPU allocates a run of order-0 pages and frees them itself (will-it-scale page_fault1)"),
        (WorkloadKind.Purge, "purge", "all CPUs allocate; a few purger CPUs free what the others allocated (jemalloc's purger threads)"),
        (WorkloadKind.Exit, "exit", "CPUs fill up, then all free everything at once (concurrent process exits)"),
        (WorkloadKind.Udp, "udp", "receive CPUs allocate order-1 GFP_ATOMIC pages that consumer CPUs free, with highatomic reserves present"),
        (WorkloadKind.Cma, "cma", "movable page-fault runs on a zone with a CMA share"),
        (WorkloadKind.Mixed, "mixed", "orders 0-3 and 9, all migratetypes, random cross-CPU frees"));

    public static IEnumerable<WorkloadKind> All => Table.All;

    public static string Name(WorkloadKind kind) => Table.Name(kind);

    public static string Description(WorkloadKind kind) => Table.Description(kind);

    public static string Names => Table.Names;

    public static bool TryParse(string name, out WorkloadKind kind) => Table.TryParse(name, out kind);
}
