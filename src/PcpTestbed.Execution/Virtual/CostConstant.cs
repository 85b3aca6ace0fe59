namespace PcpTestbed.Execution.Virtual;

/// <summary>
/// The constants of a <see cref="CostModel"/>. Each name ends in its unit: <c>Ns</c> for nanoseconds of a CPU's time,
/// <c>Lines</c> for a count of cache lines. <see cref="CostConstants.Info"/> says what each stands for.
/// </summary>
public enum CostConstant
{
    LockNs,
    LockHandoverNs,
    UnlockNs,
    TrylockNs,
    TrylockFailNs,
    AtomicNs,
    ZoneListOpNs,
    PcpListOpNs,
    ChunkMoveNs,
    MergeStepNs,
    PageScanNs,
    AllocPathNs,
    FreePathNs,
    CacheLineTransferNs,
    ZoneLockLines,
    PcpLockLines,
    RemotePcpListOpLines,
}
