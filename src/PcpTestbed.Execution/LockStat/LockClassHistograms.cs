namespace PcpTestbed.Execution.LockStat;

/// <summary>
/// The wait- and hold-time distributions of one lock class, merged over its CPUs and sites: the buckets
/// behind <see cref="LockClassStats.WaitNs"/> and <see cref="LockClassStats.HoldNs"/>, for plotting.
/// </summary>
/// <param name="Name">The short class name ("zone->lock").</param>
public sealed record LockClassHistograms(string Name, LogLinearHistogram WaitNs, LogLinearHistogram HoldNs);
