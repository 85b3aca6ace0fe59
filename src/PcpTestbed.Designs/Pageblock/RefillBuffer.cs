namespace PcpTestbed.Designs.Pageblock;

/// <summary>
/// The chunks a refill takes from the zone under zone->lock, to be put on the PCP after the lock is
/// dropped. One per CPU, reused, so refills do not allocate.
/// </summary>
internal sealed class RefillBuffer
{
    private readonly List<(int Pfn, int Order, int Phase)> _chunks = new(64);

    public int Count => _chunks.Count;

    public (int Pfn, int Order, int Phase) this[int i] => _chunks[i];

    public void Add(int pfn, int order, int phase) => _chunks.Add((pfn, order, phase));

    public void Clear() => _chunks.Clear();
}
