namespace PcpTestbed.Workloads.Kinds;

/// <summary>The sizes a run used, in the shape its JSON takes (<see cref="WorkloadSizes"/>).</summary>
/// <param name="RunLengthPages">page-fault and cma: pages faulted in per CPU before the unmap.</param>
/// <param name="ExitFillPages">exit: pages per exiting process.</param>
/// <param name="PurgeExtentMaxPages">purge: the largest extent per madvise(); extents are log-uniform over 1..this.</param>
/// <param name="UdpPacketsPerAllocation">udp: packets one page_frag refill serves at order 1 (order 0 serves half as many).</param>
/// <param name="CapPages">The most a default size may use per CPU: half of the pages free at the start over the workload's CPUs.</param>
/// <param name="Notes">What was capped to fit the zone, and the zone that would not need it.</param>
public sealed record WorkloadSizesReport(
    int RunLengthPages,
    int ExitFillPages,
    int PurgeExtentMaxPages,
    int UdpPacketsPerAllocation,
    long CapPages,
    IReadOnlyList<string> Notes)
{
    public static WorkloadSizesReport From(WorkloadSizes s) =>
        new(s.RunLengthPages, s.ExitFillPages, s.PurgeExtentMaxPages, s.UdpPacketsOrder1, s.CapPages, s.Notes);
}
