namespace PcpTestbed.Execution.Virtual;

/// <summary>
/// A <see cref="CostModel"/> as the engine charges it: whole picoseconds, so virtual time is integer arithmetic and
/// the same on every host. Cache-line counts are folded into the times they add.
/// </summary>
internal readonly struct CostTable
{
    public CostTable(CostModel m)
    {
        LockPs = Ps(m[CostConstant.LockNs]);
        LockHandoverPs = Ps(m[CostConstant.LockHandoverNs]);
        UnlockPs = Ps(m[CostConstant.UnlockNs]);
        TrylockPs = Ps(m[CostConstant.TrylockNs]);
        TrylockFailPs = Ps(m[CostConstant.TrylockFailNs]);
        AtomicPs = Ps(m[CostConstant.AtomicNs]);
        ZoneListOpPs = Ps(m[CostConstant.ZoneListOpNs]);
        PcpListOpPs = Ps(m[CostConstant.PcpListOpNs]);
        ChunkMovePs = Ps(m[CostConstant.ChunkMoveNs]);
        MergeStepPs = Ps(m[CostConstant.MergeStepNs]);
        PageScanPs = Ps(m[CostConstant.PageScanNs]);
        AllocPathPs = Ps(m[CostConstant.AllocPathNs]);
        FreePathPs = Ps(m[CostConstant.FreePathNs]);
        TransferPs = Ps(m[CostConstant.CacheLineTransferNs]);
        ZoneBouncePs = (long)m[CostConstant.ZoneLockLines] * TransferPs;
        PcpBouncePs = (long)m[CostConstant.PcpLockLines] * TransferPs;
        RemotePcpListOpPs = PcpListOpPs + ((long)m[CostConstant.RemotePcpListOpLines] * TransferPs);
    }

    public long LockPs { get; }

    public long LockHandoverPs { get; }

    public long UnlockPs { get; }

    public long TrylockPs { get; }

    public long TrylockFailPs { get; }

    public long AtomicPs { get; }

    public long ZoneListOpPs { get; }

    public long PcpListOpPs { get; }

    public long ChunkMovePs { get; }

    public long MergeStepPs { get; }

    public long PageScanPs { get; }

    public long AllocPathPs { get; }

    public long FreePathPs { get; }

    public long TransferPs { get; }

    /// <summary>The lines that move with zone->lock when another CPU held it last.</summary>
    public long ZoneBouncePs { get; }

    /// <summary>The lines that move with a pcp->lock when another CPU held it last.</summary>
    public long PcpBouncePs { get; }

    /// <summary>A list operation on a PCP another CPU owns, with the struct page that moves.</summary>
    public long RemotePcpListOpPs { get; }

    /// <summary>ns to whole ps, rounded to nearest.</summary>
    public static long Ps(double ns) => (long)Math.Round(ns * 1000, MidpointRounding.AwayFromZero);
}
