namespace PcpTestbed.Execution.LockStat;

/// <summary>
/// One CPU's duty on a lock class: the share of the run it spent holding a lock of the class (any instance: a pcp->lock
/// duty includes another CPU's lock taken by a routed free or a drain).
/// </summary>
/// <param name="Duty">
/// Estimated hold time / run time, clamped to 1: a share of time can be no more. A sampled hold that is rare and very
/// long (a holder preempted by the host) can push the estimate past the run time; such a duty is always rough.
/// </param>
/// <param name="HoldEstimatedNs">The CPU's sampled holds scaled by its acquisitions / samples (<see cref="LockDutyEstimator"/>), unclamped.</param>
/// <param name="Samples">Holds of the CPU that were timed: the estimate's basis.</param>
/// <param name="RelativeError">The estimate's relative standard error; null with fewer than 2 samples.</param>
/// <param name="FewSamples">The duty rests on too few samples to mean much (<see cref="LockDutyEstimator.IsRough"/>).</param>
public sealed record CpuLockDuty(int Cpu, double Duty, long HoldEstimatedNs, long Acquisitions, long Samples, double? RelativeError, bool FewSamples);
