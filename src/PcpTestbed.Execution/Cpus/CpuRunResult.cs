namespace PcpTestbed.Execution.Cpus;

/// <summary>
/// How a run of a <see cref="CpuMachine"/> went. <see cref="Oversubscribed"/> says whether emulated CPUs
/// outnumbered the host cores, so reports can warn that lock waits include host scheduling.
/// </summary>
/// <param name="Elapsed">From the start barrier to the last CPU leaving its body.</param>
/// <param name="OperationsPerCpu">Operations each CPU started (quiescent points that returned true).</param>
public sealed record CpuRunResult(
    int CpuCount,
    int HostCores,
    bool Oversubscribed,
    bool Pinned,
    TimeSpan Elapsed,
    IReadOnlyList<long> OperationsPerCpu)
{
    public long TotalOperations => OperationsPerCpu.Sum();
}
