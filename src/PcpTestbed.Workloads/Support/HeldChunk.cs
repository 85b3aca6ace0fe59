using PcpTestbed.Designs;

namespace PcpTestbed.Workloads.Support;

/// <summary>A chunk a workload holds: its absolute pfn and order.</summary>
public readonly record struct HeldChunk(long Pfn, int Order)
{
    public long Pages => 1L << Order;

    /// <summary>The chunk as a folio_batch entry for free_unref_folios().</summary>
    public Folio AsFolio => new(Pfn, Order);
}
