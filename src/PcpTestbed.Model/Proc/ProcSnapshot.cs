namespace PcpTestbed.Model.Proc;

/// <summary>
/// What one read of /proc (or of a folder of copies) gave: zoneinfo, pagetypeinfo and the vm
/// sysctls. The files are read one after another, so counters that move (free pages, PCP counts)
/// differ a little between them; sizes and watermarks do not.
/// </summary>
public sealed record ProcSnapshot
{
    public required Zoneinfo Zoneinfo { get; init; }

    public required Pagetypeinfo Pagetypeinfo { get; init; }

    public VmSysctls Sysctls { get; init; } = VmSysctls.None;

    /// <summary>Where the files came from, for messages: "/proc" or the folder.</summary>
    public string Origin { get; init; } = "";

    /// <summary>The zoneinfo section of a zone.</summary>
    /// <exception cref="ProcFormatException">No such zone; the message lists the zones present.</exception>
    public ZoneinfoZone RequireZone(int node, string name)
    {
        return Zoneinfo.Find(node, name)
            ?? throw new ProcFormatException(Zoneinfo.Path, 0,
                $"expected a zone '{name}' on node {node}, got none; the zones present are {Zoneinfo.DescribeZones()}");
    }

    /// <summary>The pagetypeinfo rows of a zone: both tables must list it.</summary>
    /// <exception cref="ProcFormatException">A table has no row for the zone.</exception>
    public PagetypeinfoZone RequirePagetypeinfoZone(ZoneinfoZone zone)
    {
        var rows = Pagetypeinfo.Find(zone.Node, zone.Name);
        var listed = $"pagetypeinfo lists only populated zones ({Pagetypeinfo.DescribeZones()}); zoneinfo shows {zone.Name} with managed {zone.Managed}";
        if (rows == null || rows.FirstFreeRowLine == 0)
        {
            throw new ProcFormatException(Pagetypeinfo.Path, 0,
                $"expected free-page rows for node {zone.Node} zone {zone.Name}, got none; {listed}");
        }

        if (rows.BlocksLine == 0)
        {
            throw new ProcFormatException(Pagetypeinfo.Path, 0,
                $"expected a row for node {zone.Node} zone {zone.Name} under 'Number of blocks type', got none; {listed}");
        }

        // The kernel prints a free row for every type it names in the block table's header, and no other.
        foreach (var mt in MigrateTypes.All())
        {
            var named = rows.BlockColumns.Contains(mt);
            var row = rows.FreeRowLines[(int)mt];
            if (named && row == 0)
            {
                throw new ProcFormatException(Pagetypeinfo.Path, rows.FirstFreeRowLine,
                    $"expected a free-page row for each migratetype {Pagetypeinfo.Path}:{rows.BlocksLine} names, got none for " +
                    $"'type {MigrateTypes.KernelName(mt)}' in node {zone.Node} zone {zone.Name}");
            }

            if (!named && row != 0)
            {
                throw new ProcFormatException(Pagetypeinfo.Path, row,
                    $"expected free-page rows only for the migratetypes {Pagetypeinfo.Path}:{rows.BlocksLine} names, got 'type {MigrateTypes.KernelName(mt)}'");
            }
        }

        return rows;
    }
}
