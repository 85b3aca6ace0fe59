namespace PcpTestbed.Execution.LockStat;

/// <summary>
/// The hold time one call site accounts for: each CPU's holds at the site estimated from its own samples there,
/// summed, and as duties (share of the run) averaged and maxed over CPUs.
/// </summary>
/// <param name="Mean">Mean over CPUs of each CPU's duty at this site; times the CPU count it is the site's share of the class's summed duty.</param>
/// <param name="Max">The highest CPU's duty at this site.</param>
/// <param name="RelativeError">Relative standard error of <see cref="HoldEstimatedNs"/>; null when no CPU had 2 samples here.</param>
public sealed record LockSiteDuty(long HoldEstimatedNs, double Mean, double Max, long Samples, double? RelativeError, bool FewSamples);
