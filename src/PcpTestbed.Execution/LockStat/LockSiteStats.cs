namespace PcpTestbed.Execution.LockStat;

/// <summary>
/// One call site of a lock class. <see cref="Name"/> is the kernel function the site stands for
/// (<see cref="PcpTestbed.Model.Sync.LockSites.KernelName"/>). Wait times are the waits of this site's
/// contended acquisitions (lock_stat's contention points); hold times are this site's holds; <see cref="Contending"/>
/// counts contentions other CPUs suffered while this site held the lock (lock_stat's contending points).
/// <see cref="TrylockCollisions"/> and <see cref="TrylockFailuresCaused"/> are the same two views of failed trylocks,
/// which lock_stat does not see: what this site's failures found holding the lock, and how many failures elsewhere
/// this site caused by holding it.
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
    LockTimeStats HoldNs)
{
    /// <summary>This site's failed trylocks by the site holding the lock at the time, most first; they sum to <see cref="TrylockFailures"/>.</summary>
    public IReadOnlyList<TrylockCollision> TrylockCollisions { get; init; } = [];

    /// <summary>Failed trylocks (by any site, any CPU) that found the lock held by this site.</summary>
    public long TrylockFailuresCaused { get; init; }

    /// <summary>"free_pcppages_bulk:drain 10000 (81.0%), decay_pcp_high 2345 (19.0%)": the collisions, most first.</summary>
    public string DescribeCollisions() => string.Join(", ", TrylockCollisions.Select(x =>
        $"{x.Holder} {x.Count} ({LockDutyStats.Percent(TrylockFailures == 0 ? 0 : (double)x.Count / TrylockFailures, 1)})"));

    /// <summary>The hold time this site accounts for, as duties; null when not estimated (no run time, or holds not sampled).</summary>
    public LockSiteDuty? Duty { get; init; }
}
