namespace PcpTestbed.Execution.LockStat;

/// <summary>
/// One call site of a lock class. <see cref="Name"/> is the kernel function the site stands for
/// (<see cref="PcpTestbed.Model.Sync.LockSites.KernelName"/>). Wait times are the waits of this site's
/// contended acquisitions (lock_stat's contention points); hold times are this site's holds; <see cref="Contending"/>
/// counts contentions other CPUs suffered while this site held the lock (lock_stat's contending points).
/// </summary>
public sealed record LockSiteStats(
    string Name,
    long Acquisitions,
    long Contentions,
    long TrylockFailures,
    long Bounces,
    long ContentionBounces,
    long Contending,
    LockTimeStats WaitNs,
    LockTimeStats HoldNs);
