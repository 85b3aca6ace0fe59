namespace PcpTestbed.Workloads.Run;

/// <summary>
/// Where a run is: elapsed time, the planned duration (if any), operations so far, audits, the fault events so far
/// (CPU offlines and onlines, zone exhaustions) and the workload's completed cycles (read racily while the CPUs run).
/// </summary>
public readonly record struct RunProgress(
    TimeSpan Elapsed,
    TimeSpan? Duration,
    long Operations,
    long? OperationBudget,
    int Audits,
    long Violations,
    long Offlines = 0,
    long Onlines = 0,
    long Exhaustions = 0,
    long Cycles = 0);
