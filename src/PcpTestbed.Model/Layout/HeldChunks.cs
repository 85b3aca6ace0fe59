namespace PcpTestbed.Model.Layout;

/// <summary>
/// A run of allocated chunks in a <see cref="ZoneHoldings"/>: <see cref="Count"/> chunks of order <see cref="Order"/> back to
/// back from the absolute pfn <see cref="Pfn"/>, each allocated with a request of <see cref="Migratetype"/> (the page's
/// tag, as <see cref="Zone.PrepNewPage"/> wrote it: what prep_move_freepages_block() counts as movable).
/// </summary>
public sealed record HeldChunks(long Pfn, int Order, int Migratetype, int Count)
{
    /// <summary>Pages the run holds.</summary>
    public long Pages => (long)Count << Order;
}
