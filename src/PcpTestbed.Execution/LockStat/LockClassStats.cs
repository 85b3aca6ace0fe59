namespace PcpTestbed.Execution.LockStat;

/// <summary>
/// One lock class summed over its instances, CPUs and sites. <see cref="Name"/> is the short name
/// ("zone->lock"), <see cref="KernelName"/> the one /proc/lock_stat prints ("&amp;zone->lock").
/// </summary>
/// <param name="Contentions">Lock calls that had to wait (lock_stat's contentions). Failed trylocks are not in it.</param>
/// <param name="TrylockFailures">TryLock calls that found the lock held; the kernel's lock_stat does not count these.</param>
/// <param name="Bounces">acq-bounces: acquisitions whose previous holder was another CPU; a lock's first acquisition is not one.</param>
/// <param name="ContentionBounces">con-bounces: contentions whose previous holder was another CPU.</param>
public sealed record LockClassStats(
    string Name,
    string KernelName,
    long Acquisitions,
    long Contentions,
    long TrylockFailures,
    long Bounces,
    long ContentionBounces,
    LockTimeStats WaitNs,
    LockTimeStats HoldNs,
    IReadOnlyList<LockSiteStats> Sites)
{
    /// <summary>Total hold time extrapolated from the samples: the sampled mean times all acquisitions.</summary>
    public long HoldTotalEstimatedNs => (long)Math.Round(HoldNs.Mean * Acquisitions);

    /// <summary>Each CPU's share of the run spent holding the class; null when not estimated (no run time, or holds not sampled).</summary>
    public LockDutyStats? Duty { get; init; }

    public LockSiteStats? Site(string kernelName) => Sites.FirstOrDefault(s => s.Name == kernelName);
}
