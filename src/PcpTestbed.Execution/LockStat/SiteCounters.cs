namespace PcpTestbed.Execution.LockStat;

/// <summary>
/// One CPU's lock_stat counters for one lock class at one call site. Written only by the CPU that owns the
/// record, with plain stores; a report taken while CPUs run reads them racily.
/// </summary>
internal struct SiteCounters // do not make readonly: the owning CPU increments the counters in place
{
    /// <summary>Successful Lock and TryLock calls at this site. Hot: first, with <see cref="Bounces"/>.</summary>
    public long Acquisitions;

    /// <summary>acq-bounces: acquisitions whose previous holder was another CPU.</summary>
    public long Bounces;

    /// <summary>Lock calls whose fast path failed, so the CPU waited.</summary>
    public long Contentions;

    /// <summary>con-bounces: contentions whose previous holder was another CPU.</summary>
    public long ContentionBounces;

    /// <summary>TryLock calls that failed.</summary>
    public long TrylockFailures;

    /// <summary>
    /// lock_stat's contending point: contentions other CPUs suffered while this site held the lock, counted
    /// by the waiting CPU from the holder's <see cref="PcpTestbed.Model.Sync.EmuSpinLock.HoldSite"/>.
    /// </summary>
    public long Contending;

    /// <summary>Wait times of contended acquisitions at this site.</summary>
    public TimeAccumulator Wait;

    /// <summary>Sampled hold times of acquisitions at this site.</summary>
    public TimeAccumulator Hold;
}
