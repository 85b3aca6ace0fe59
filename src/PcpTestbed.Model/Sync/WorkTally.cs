namespace PcpTestbed.Model.Sync;

/// <summary>
/// Running counts of the work done under one lock (<see cref="WorkKind"/>), kept beside the data the lock guards
/// and guarded by that lock. The counts only ever grow; an execution that charges time for work reads the
/// difference between two reads. Costs a plain increment of a line the holder is writing anyway, so the OS-thread
/// engine, which never reads them, pays next to nothing.
/// </summary>
public struct WorkTally // do not make readonly: the holder increments the counts in place
{
    /// <summary>list_add() and list_del() calls (<see cref="WorkKind.ListOp"/>).</summary>
    public long ListOps;

    /// <summary>Chunks taken from or given back to the free lists (<see cref="WorkKind.ChunkMoved"/>).</summary>
    public long ChunksMoved;

    /// <summary>Buddy merge steps (<see cref="WorkKind.MergeStep"/>).</summary>
    public long MergeSteps;

    /// <summary>Struct pages visited by pageblock walks (<see cref="WorkKind.PageScan"/>).</summary>
    public long PagesScanned;
}
