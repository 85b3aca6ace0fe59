namespace PcpTestbed.Workloads.Run;

/// <summary>Where a run is: elapsed time, the planned duration (if any), operations so far, audits.</summary>
public readonly record struct RunProgress(TimeSpan Elapsed, TimeSpan? Duration, long Operations, long? OperationBudget, int Audits, long Violations);
