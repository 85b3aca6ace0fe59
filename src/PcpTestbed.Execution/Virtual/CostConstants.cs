namespace PcpTestbed.Execution.Virtual;

/// <summary>The table of <see cref="CostConstant"/>s: where each lives in a cost-model file, its range and its meaning.</summary>
public static class CostConstants
{
    /// <summary>The cost of one unit, in ns, may be at most 1 ms: anything larger is a typo, not a machine.</summary>
    public const double MaxNs = 1_000_000;

    public const double MaxLines = 1024;

    public const int Count = (int)CostConstant.RemotePcpListOpLines + 1;

    public static readonly IReadOnlyList<string> Groups = ["seam", "work", "paths", "cacheLines"];

    private static readonly CostConstantInfo[] Table =
    [
        Ns("seam", "lockNs", "spin_lock() that finds the lock free: the CAS on a lock word already in this CPU's cache"),
        Ns("seam", "lockHandoverNs", "a contended spin_lock(): from the holder's release until the first waiter holds the lock (qspinlock's handover), besides the cache lines that move"),
        Ns("seam", "unlockNs", "spin_unlock(): the release store"),
        Ns("seam", "trylockNs", "spin_trylock() that takes a free lock whose word is in this CPU's cache"),
        Ns("seam", "trylockFailNs", "spin_trylock() that finds the lock held, besides reading the holder's cache line"),
        Ns("seam", "atomicNs", "cmpxchg or xchg on a line in this CPU's cache"),
        Ns("work", "zoneListOpNs", "one list_add()/list_del() on a zone free list under zone->lock, with its free-area accounting"),
        Ns("work", "pcpListOpNs", "one list_add()/list_del() on a PCP list under pcp->lock"),
        Ns("work", "chunkMoveNs", "one chunk taken from or given back to the zone's free lists (__rmqueue_smallest() and its fallbacks, __free_one_page()): page state, accounting, migratetype lookups; its list operations and merges are charged apart"),
        Ns("work", "mergeStepNs", "one merge in __free_one_page(): finding the free buddy and combining (its list_del() is charged apart)"),
        Ns("work", "pageScanNs", "one struct page visited by a pageblock walk (prep_move_freepages_block(), __move_freepages_block())"),
        Ns("paths", "allocPathNs", "alloc_pages() outside its locks and list operations: gfp to alloc flags, the watermark check, prep_new_page()"),
        Ns("paths", "freePathNs", "__free_pages() (or one folio of free_unref_folios()) outside its locks and list operations: the checks, the migratetype lookup"),
        Ns("cacheLines", "transferNs", "one cache line moving from another CPU's cache to this one (a core-to-core transfer)"),
        Lines("cacheLines", "zoneLockLines", "cache lines that move when a CPU takes zone->lock after another CPU held it: the lock word and the free-area data the holder wrote"),
        Lines("cacheLines", "pcpLockLines", "cache lines that move when a CPU takes a pcp->lock after another CPU held it: the lock word, count, high and the list heads"),
        Lines("cacheLines", "remotePcpListOpLines", "cache lines per list operation on a PCP another CPU owns (a drain or a routed free): the struct page the owner touched last"),
    ];

    public static IEnumerable<CostConstant> All => Enum.GetValues<CostConstant>();

    public static CostConstantInfo Info(CostConstant c) => Table[(int)c];

    /// <summary>The constant a file names <paramref name="group"/>.<paramref name="name"/>, if any.</summary>
    public static bool TryFind(string group, string name, out CostConstant constant)
    {
        for (var i = 0; i < Table.Length; i++)
        {
            if (Table[i].Group == group && Table[i].Name == name)
            {
                constant = (CostConstant)i;
                return true;
            }
        }

        constant = default;
        return false;
    }

    /// <summary>The names a group holds, for an error message.</summary>
    public static string NamesIn(string group) => string.Join(", ", Table.Where(t => t.Group == group).Select(t => t.Name));

    private static CostConstantInfo Ns(string group, string name, string meaning) => new(group, name, MaxNs, false, meaning);

    private static CostConstantInfo Lines(string group, string name, string meaning) => new(group, name, MaxLines, true, meaning);
}
