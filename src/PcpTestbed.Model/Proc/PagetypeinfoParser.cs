namespace PcpTestbed.Model.Proc;

/// <summary>
/// Reads /proc/pagetypeinfo. Per node the kernel prints "Page block order", "Pages per block",
/// the free-page table (a header naming the orders, then one row per zone and migratetype), the
/// pageblock table (a header naming the migratetypes, then one row per zone) and, with page_owner,
/// a mixed-block table this importer skips. Rows are read in the context of the last header.
/// </summary>
internal static class PagetypeinfoParser
{
    private const string FreeHeader = "Free pages count per migrate type at order";
    private const string BlocksHeader = "Number of blocks type";
    private const string MixedHeader = "Number of mixed blocks";
    private const string PageblockOrderLine = "Page block order:";
    private const string PagesPerBlockLine = "Pages per block:";

    // pagetypeinfo_showfree_print() stops counting a free list here and prints ">100000".
    private const char CappedMark = '>';

    private static readonly string AllTypeNames = string.Join(", ", MigrateTypes.All().Select(MigrateTypes.KernelName));

    private enum Section
    {
        Preamble,
        Free,
        Blocks,

        /// <summary>"Number of mixed blocks" (CONFIG_PAGE_OWNER) or anything else not read.</summary>
        Skipped,
    }

    public static Pagetypeinfo Parse(ProcText text)
    {
        var zones = new Dictionary<(int Node, string Name), ZoneRows>();
        var order = new List<ZoneRows>();
        var section = Section.Preamble;
        var sawPageblockOrder = false;
        MigrateType[] columns = [];
        for (var line = 1; line <= text.LineCount; line++)
        {
            var raw = text[line];
            var tokens = ProcText.Tokens(raw);
            if (tokens.Length == 0)
            {
                continue;
            }

            var trimmed = raw.Trim();
            if (trimmed.StartsWith(PageblockOrderLine, StringComparison.Ordinal))
            {
                CheckShape(text, line, trimmed[PageblockOrderLine.Length..].Trim(), PageAlloc.PageblockOrder,
                    $"'{PageblockOrderLine} {PageAlloc.PageblockOrder}' (2 MiB pageblocks of 4 KiB pages, as on x86-64; the testbed models no other size)");
                sawPageblockOrder = true;
                section = Section.Preamble;
            }
            else if (trimmed.StartsWith(PagesPerBlockLine, StringComparison.Ordinal))
            {
                CheckShape(text, line, trimmed[PagesPerBlockLine.Length..].Trim(), PageAlloc.PageblockNrPages,
                    $"'{PagesPerBlockLine} {PageAlloc.PageblockNrPages}' (2 MiB pageblocks of 4 KiB pages)");
                section = Section.Preamble;
            }
            else if (trimmed.StartsWith(FreeHeader, StringComparison.Ordinal))
            {
                RequirePageblockOrder(text, line, sawPageblockOrder);
                CheckOrders(text, line, trimmed[FreeHeader.Length..].Trim());
                section = Section.Free;
            }
            else if (trimmed.StartsWith(BlocksHeader, StringComparison.Ordinal))
            {
                RequirePageblockOrder(text, line, sawPageblockOrder);
                columns = ParseColumns(text, line, tokens.Skip(4).ToArray());
                section = Section.Blocks;
            }
            else if (trimmed.StartsWith(MixedHeader, StringComparison.Ordinal))
            {
                section = Section.Skipped;
            }
            else if (tokens[0] == "Node")
            {
                switch (section)
                {
                    case Section.Free:
                        ReadFreeRow(text, line, tokens, zones, order);
                        break;
                    case Section.Blocks:
                        ReadBlockRow(text, line, tokens, columns, zones, order);
                        break;
                    case Section.Preamble:
                        throw text.Error(line, $"a '{FreeHeader}' or '{BlocksHeader}' header before the first row", trimmed);
                }
            }

            // Any other line is something this importer does not read.
        }

        if (!sawPageblockOrder)
        {
            throw text.Error(0, $"expected a '{PageblockOrderLine} {PageAlloc.PageblockOrder}' line, got none");
        }

        return new Pagetypeinfo(text.Path, order.Select(z => z.Finish()).ToArray());
    }

    private static void CheckShape(ProcText text, int line, string value, int expectedValue, string expected)
    {
        if (value != expectedValue.ToString())
        {
            throw text.Error(line, expected, value);
        }
    }

    private static void RequirePageblockOrder(ProcText text, int line, bool seen)
    {
        if (!seen)
        {
            throw text.Error(line, $"'{PageblockOrderLine} {PageAlloc.PageblockOrder}' before the tables", text[line].Trim());
        }
    }

    // The header lists the orders the table has: exactly 0..MAX_PAGE_ORDER.
    private static void CheckOrders(ProcText text, int line, string rest)
    {
        var expected = string.Join(' ', Enumerable.Range(0, PageAlloc.NrPageOrders));
        if (string.Join(' ', ProcText.Tokens(rest)) != expected)
        {
            throw text.Error(line, $"orders 0..{PageAlloc.MaxPageOrder} after '{FreeHeader}' (MAX_PAGE_ORDER {PageAlloc.MaxPageOrder})", rest);
        }
    }

    private static MigrateType[] ParseColumns(ProcText text, int line, string[] names)
    {
        if (names.Length == 0)
        {
            throw text.Error(line, $"migratetype names after '{BlocksHeader}'", "nothing");
        }

        var columns = new MigrateType[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            if (!MigrateTypes.TryParse(names[i], out columns[i]))
            {
                throw text.Error(line, $"migratetype names ({AllTypeNames}) after '{BlocksHeader}'", names[i]);
            }

            if (Array.IndexOf(columns, columns[i], 0, i) >= 0)
            {
                throw text.Error(line, $"each migratetype once after '{BlocksHeader}'", names[i]);
            }
        }

        return columns;
    }

    // "Node %4d, zone %8s, type %12s " then one "%6lu " (or ">%6lu ") per order.
    private static void ReadFreeRow(ProcText text, int line, string[] tokens, Dictionary<(int, string), ZoneRows> zones, List<ZoneRows> order)
    {
        const string expected = "'Node <id>, zone <name>, type <migratetype>' and a free-page count per order";
        if (tokens.Length < 6 || !tokens[1].EndsWith(',') || tokens[2] != "zone" || !tokens[3].EndsWith(',') || tokens[4] != "type")
        {
            throw text.Error(line, expected, text[line].Trim());
        }

        var node = ParseNode(text, line, tokens[1][..^1], expected);
        var name = ParseZoneName(text, line, tokens[3][..^1], expected);
        if (!MigrateTypes.TryParse(tokens[5], out var mt))
        {
            throw text.Error(line, $"a migratetype ({AllTypeNames}) after 'type'", tokens[5]);
        }

        var countsExpected = $"{PageAlloc.NrPageOrders} free-page counts for orders 0..{PageAlloc.MaxPageOrder} after 'type {tokens[5]}'";
        var zone = Rows(zones, order, node, name);
        if (zone.FreeRowLines[(int)mt] != 0)
        {
            throw text.Error(line, $"expected one row per migratetype, got a second 'type {tokens[5]}' row for node {node} zone {name} (first at line {zone.FreeRowLines[(int)mt]})");
        }

        for (var o = 0; o < PageAlloc.NrPageOrders; o++)
        {
            if (6 + o >= tokens.Length)
            {
                throw text.Error(line, $"expected {countsExpected}, got {(o == 0 ? "none" : $"only {o}")}");
            }

            var token = tokens[6 + o];
            var capped = token.Length > 1 && token[0] == CappedMark;
            // More chunks of one order than 4 PiB holds is damage.
            zone.FreeChunks[(int)mt, o] = text.ParseCount(line, capped ? token[1..] : token, ProcText.MaxPages >> o, countsExpected);
            zone.FreeCapped[(int)mt, o] = capped;
        }

        if (tokens.Length > 6 + PageAlloc.NrPageOrders)
        {
            throw text.Error(line, countsExpected + " and nothing more", tokens[6 + PageAlloc.NrPageOrders]);
        }

        zone.FreeRowLines[(int)mt] = line;
    }

    // "Node %d, zone %8s " then one "%12lu " per column of the header.
    private static void ReadBlockRow(
        ProcText text, int line, string[] tokens, MigrateType[] columns, Dictionary<(int, string), ZoneRows> zones, List<ZoneRows> order)
    {
        var expected = $"'Node <id>, zone <name>' and {columns.Length} pageblock counts ({string.Join(' ', columns.Select(MigrateTypes.KernelName))})";
        if (tokens.Length < 4 || !tokens[1].EndsWith(',') || tokens[2] != "zone")
        {
            throw text.Error(line, expected, text[line].Trim());
        }

        var node = ParseNode(text, line, tokens[1][..^1], expected);
        var name = ParseZoneName(text, line, tokens[3], expected);
        var zone = Rows(zones, order, node, name);
        if (zone.BlocksLine != 0)
        {
            throw text.Error(line, $"expected one pageblock row per zone, got a second for node {node} zone {name} (first at line {zone.BlocksLine})");
        }

        if (tokens.Length != 4 + columns.Length)
        {
            throw text.Error(line, expected, text[line].Trim());
        }

        for (var i = 0; i < columns.Length; i++)
        {
            zone.BlockCounts[(int)columns[i]] = text.ParseCount(line, tokens[4 + i], ProcText.MaxPages >> PageAlloc.PageblockOrder,
                $"a pageblock count for {MigrateTypes.KernelName(columns[i])} in {expected}");
        }

        zone.BlocksLine = line;
        zone.BlockColumns = columns;
    }

    private static int ParseNode(ProcText text, int line, string token, string expected) =>
        (int)text.ParseCount(line, token, ProcText.MaxNodes - 1, $"a node id (0..{ProcText.MaxNodes - 1}) in {expected}");

    private static string ParseZoneName(ProcText text, int line, string token, string expected)
    {
        if (!ZoneinfoParser.IsZoneName(token))
        {
            throw text.Error(line, $"a zone name in {expected}", token);
        }

        return token;
    }

    private static ZoneRows Rows(Dictionary<(int, string), ZoneRows> zones, List<ZoneRows> order, int node, string name)
    {
        if (!zones.TryGetValue((node, name), out var rows))
        {
            rows = new ZoneRows(node, name);
            zones.Add((node, name), rows);
            order.Add(rows);
        }

        return rows;
    }

    /// <summary>A zone's rows gathered from both tables.</summary>
    private sealed class ZoneRows(int node, string name)
    {
        public long[,] FreeChunks { get; } = new long[MigrateTypes.Count, PageAlloc.NrPageOrders];

        public bool[,] FreeCapped { get; } = new bool[MigrateTypes.Count, PageAlloc.NrPageOrders];

        public int[] FreeRowLines { get; } = new int[MigrateTypes.Count];

        public long[] BlockCounts { get; } = new long[MigrateTypes.Count];

        public int BlocksLine { get; set; }

        public MigrateType[] BlockColumns { get; set; } = [];

        public PagetypeinfoZone Finish() => new()
        {
            Node = node,
            Name = name,
            FreeChunks = FreeChunks,
            FreeCapped = FreeCapped,
            FreeRowLines = FreeRowLines,
            BlockCounts = BlockCounts,
            BlocksLine = BlocksLine,
            BlockColumns = BlockColumns,
        };
    }
}
