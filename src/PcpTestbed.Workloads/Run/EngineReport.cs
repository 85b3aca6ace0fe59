using PcpTestbed.Execution.Virtual;

namespace PcpTestbed.Workloads.Run;

/// <summary>What ran the CPUs, in the shape its JSON takes.</summary>
/// <param name="Name"><c>threads</c> or <c>virtual</c>.</param>
/// <param name="VirtualTime">Every time in the report (seconds, ops/s, lock waits and holds, audits, samples) is virtual.</param>
/// <param name="CostModel">The virtual engine's cost model; null on threads.</param>
/// <param name="Approximation">The virtual engine's lock counters, with where it approximated exact virtual-time semantics; null on threads.</param>
/// <param name="Steps">Steps the virtual engine ran (workload steps, kswapd's included); 0 on threads.</param>
/// <param name="EmptySteps">Steps that charged nothing and were charged 1 ns; 0 on threads.</param>
public sealed record EngineReport(
    string Name,
    bool VirtualTime,
    CostModelReport? CostModel,
    IReadOnlyList<VirtualLockStats>? Approximation,
    long Steps,
    long EmptySteps)
{
    public static EngineReport Threads { get; } = new("threads", false, null, null, 0, 0);
}
