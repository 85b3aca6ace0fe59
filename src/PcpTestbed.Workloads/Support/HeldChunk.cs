namespace PcpTestbed.Workloads.Support;

/// <summary>A chunk a workload holds: its absolute pfn and order.</summary>
public readonly record struct HeldChunk(long Pfn, int Order)
{
    public long Pages => 1L << Order;
}
