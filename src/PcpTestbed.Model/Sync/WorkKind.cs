namespace PcpTestbed.Model.Sync;

/// <summary>
/// Units of work the model does under a lock, as an execution that charges time for them (the virtual-time engine)
/// counts them. Each is named for the kernel code it stands for.
/// </summary>
public enum WorkKind : byte
{
    /// <summary>One list_add() or list_del() of a page on a free list or a PCP list.</summary>
    ListOp,

    /// <summary>
    /// One chunk taken from or given back to the zone's free lists (__rmqueue_smallest() and its fallbacks,
    /// __free_one_page()): the page's state, the accounting, the migratetype lookups. Its list operations and merges count apart.
    /// </summary>
    ChunkMoved,

    /// <summary>One step of the buddy merge loop in __free_one_page(): a free buddy found and merged (its list_del() counts apart).</summary>
    MergeStep,

    /// <summary>One struct page visited by a pageblock walk (prep_move_freepages_block(), __move_freepages_block()).</summary>
    PageScan,
}
