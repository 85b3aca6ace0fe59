namespace PcpTestbed.Execution.LockStat;

/// <summary>One configuration measured by <see cref="LockOverheadMeter"/>; times are the best run's, in ns.</summary>
/// <param name="Probe">"none" for <see cref="Locking.NoLockProbe"/>, "lock_stat" for <see cref="LockStatProbe"/>.</param>
/// <param name="HoldSampleInterval">lock_stat's hold sampling interval (0: hold not timed); null without lock_stat.</param>
/// <param name="LockPairNs">One uncontended Lock + Unlock.</param>
/// <param name="AllocFreePairNs">The lock work of a PCP allocation and free: TryLock + Unlock twice, at the two sites.</param>
/// <param name="AllocFreeRatio">AllocFreePairNs over the bare lock's.</param>
public sealed record LockOverheadRow(string Probe, int? HoldSampleInterval, double LockPairNs, double AllocFreePairNs, double AllocFreeRatio);
