namespace PcpTestbed.Model.Proc;

/// <summary>A parsed /proc/zoneinfo: every zone of every node, populated or not.</summary>
public sealed class Zoneinfo
{
    internal Zoneinfo(string path, IReadOnlyList<ZoneinfoZone> zones)
    {
        Path = path;
        Zones = zones;
    }

    public string Path { get; }

    public IReadOnlyList<ZoneinfoZone> Zones { get; }

    /// <summary>
    /// Parses zoneinfo text. Unknown lines (the kernel adds counters every few releases) are
    /// skipped; a line this parser reads that does not hold what it should is an error.
    /// </summary>
    /// <exception cref="ProcFormatException">The text is not a zoneinfo the importer can use.</exception>
    public static Zoneinfo Parse(string text, string path) => ZoneinfoParser.Parse(new ProcText(path, text));

    /// <summary>The zone NAME of node <paramref name="node"/> (names match case-insensitively), or null.</summary>
    public ZoneinfoZone? Find(int node, string name) =>
        Zones.FirstOrDefault(z => z.Node == node && string.Equals(z.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The zones present, node by node, for messages: "node 0: DMA, DMA32, Normal".</summary>
    public string DescribeZones() =>
        string.Join("; ", Zones.GroupBy(z => z.Node).Select(g => $"node {g.Key}: {string.Join(", ", g.Select(z => z.Name))}"));
}
