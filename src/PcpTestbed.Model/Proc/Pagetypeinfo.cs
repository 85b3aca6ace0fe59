namespace PcpTestbed.Model.Proc;

/// <summary>
/// A parsed /proc/pagetypeinfo (pagetypeinfo_show() in mm/vmstat.c): for each node with memory,
/// the pageblock size, the free-page table and the pageblock table of its populated zones.
/// </summary>
public sealed class Pagetypeinfo
{
    internal Pagetypeinfo(string path, IReadOnlyList<PagetypeinfoZone> zones)
    {
        Path = path;
        Zones = zones;
    }

    public string Path { get; }

    public IReadOnlyList<PagetypeinfoZone> Zones { get; }

    /// <summary>
    /// Parses pagetypeinfo text. Only 4 KiB pages with 2 MiB pageblocks (order 9) and orders 0..10
    /// are accepted: the testbed's zone has exactly that shape. Columns of the block table are
    /// read by the names in its header, so a kernel with CMA (or another type order) parses alike.
    /// </summary>
    /// <exception cref="ProcFormatException">The text is not a pagetypeinfo the importer can use.</exception>
    public static Pagetypeinfo Parse(string text, string path) => PagetypeinfoParser.Parse(new ProcText(path, text));

    /// <summary>The zone NAME of node <paramref name="node"/> (names match case-insensitively), or null.</summary>
    public PagetypeinfoZone? Find(int node, string name) =>
        Zones.FirstOrDefault(z => z.Node == node && string.Equals(z.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The zones listed, node by node, for messages.</summary>
    public string DescribeZones() =>
        Zones.Count == 0
            ? "none"
            : string.Join("; ", Zones.GroupBy(z => z.Node).Select(g => $"node {g.Key}: {string.Join(", ", g.Select(z => z.Name))}"));
}
