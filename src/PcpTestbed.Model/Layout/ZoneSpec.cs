using System.Globalization;

namespace PcpTestbed.Model.Layout;

/// <summary>
/// A synthetic zone: its size and where its CMA, UNMOVABLE, RECLAIMABLE, HIGHATOMIC and ISOLATE
/// pageblocks go; every other block is MOVABLE, and every page starts free, as after boot.
/// Text form: <c>SIZE[,TYPE=AMOUNT[@start|@end|@spread]]...</c>, e.g. <c>16G,cma=25%@end,unmovable=64@start</c>;
/// AMOUNT is a block count, a percentage of the blocks, or a size (512M).
/// </summary>
public sealed record ZoneSpec
{
    /// <summary>The largest zone: 64 GiB of 4 KiB pages.</summary>
    public const int MaxPresentPages = 16 << 20;

    public required int PresentPages { get; init; }

    public int StartPfn { get; init; }

    public IReadOnlyList<BlockRule> Blocks { get; init; } = [];

    /// <summary>Watermarks to use instead of the kernel's formulas for a zone of this size.</summary>
    public Watermarks? Watermarks { get; init; }

    public string Name { get; init; } = "Normal";

    public int NrPageblocks => PresentPages / PageAlloc.PageblockNrPages;

    /// <summary>A zone of <paramref name="bytes"/> bytes with every block MOVABLE.</summary>
    public static ZoneSpec OfBytes(long bytes)
    {
        return new ZoneSpec { PresentPages = PagesForBytes(bytes, "zone size") };
    }

    /// <summary>Parses the text form. Throws <see cref="FormatException"/> naming the part that is wrong.</summary>
    public static ZoneSpec Parse(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length == 0 || parts[0].Length == 0)
        {
            throw new FormatException($"zone spec '{text}': expected a size first, e.g. 16G");
        }

        var pages = PagesForBytes(ParseBytes(parts[0], "zone size"), "zone size");
        var blocks = pages / PageAlloc.PageblockNrPages;
        var rules = new List<BlockRule>();
        foreach (var part in parts.Skip(1))
        {
            rules.Add(ParseRule(part, blocks));
        }

        var spec = new ZoneSpec { PresentPages = pages, Blocks = rules };
        spec.ResolveBlockTypes(); // reject rules that do not fit now, with the spec's words
        return spec;
    }

    /// <summary>Parses a size: a page count with no unit is not accepted, units are K, M, G, T (binary).</summary>
    public static long ParseBytes(string text, string what)
    {
        var t = text.Trim();
        if (t.Length == 0)
        {
            throw new FormatException($"{what}: expected a size such as 16G, got nothing");
        }

        long unit = char.ToUpperInvariant(t[^1]) switch
        {
            'K' => 1L << 10,
            'M' => 1L << 20,
            'G' => 1L << 30,
            'T' => 1L << 40,
            _ => 0,
        };
        var number = unit == 0 ? t : t[..^1];
        if (t.EndsWith("iB", StringComparison.OrdinalIgnoreCase) || t.EndsWith('B'))
        {
            throw new FormatException($"{what} '{text}': write the unit as K, M, G or T (binary), e.g. 16G");
        }

        if (unit == 0)
        {
            throw new FormatException($"{what} '{text}': expected a size with a unit K, M, G or T, e.g. 16G");
        }

        if (!decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            throw new FormatException($"{what} '{text}': expected a positive number before the unit");
        }

        var bytes = value * unit;
        if (bytes > long.MaxValue / 2)
        {
            throw new FormatException($"{what} '{text}' is too large");
        }

        return (long)bytes;
    }

    private static int PagesForBytes(long bytes, string what)
    {
        const long blockBytes = (long)PageAlloc.PageblockNrPages * PageAlloc.PageSizeBytes;
        if (bytes % blockBytes != 0)
        {
            throw new FormatException($"{what} of {bytes} bytes: expected a whole number of 2M pageblocks");
        }

        var pages = bytes / PageAlloc.PageSizeBytes;
        if (pages < PageAlloc.PageblockNrPages || pages > MaxPresentPages)
        {
            throw new FormatException($"{what} of {bytes} bytes: expected 2M (one pageblock) to 64G");
        }

        return (int)pages;
    }

    private static BlockRule ParseRule(string part, int zoneBlocks)
    {
        var eq = part.IndexOf('=');
        if (eq <= 0)
        {
            throw new FormatException($"zone spec part '{part}': expected TYPE=AMOUNT[@start|@end|@spread], e.g. cma=25%@end");
        }

        var typeName = part[..eq];
        if (!MigrateTypes.TryParse(typeName, out var mt) || mt == MigrateType.Movable)
        {
            throw new FormatException(
                $"zone spec part '{part}': unknown block type '{typeName}'; expected unmovable, reclaimable, highatomic, cma or isolate (the rest is movable)");
        }

        var rest = part[(eq + 1)..];
        var placement = mt == MigrateType.Cma ? BlockPlacement.End : BlockPlacement.Spread;
        var at = rest.IndexOf('@');
        if (at >= 0)
        {
            placement = rest[(at + 1)..].ToLowerInvariant() switch
            {
                "start" => BlockPlacement.Start,
                "end" => BlockPlacement.End,
                "spread" => BlockPlacement.Spread,
                _ => throw new FormatException($"zone spec part '{part}': expected @start, @end or @spread"),
            };
            rest = rest[..at];
        }

        int count;
        if (rest.EndsWith('%'))
        {
            if (!decimal.TryParse(rest[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var pct) || pct < 0 || pct > 100)
            {
                throw new FormatException($"zone spec part '{part}': expected a percentage from 0% to 100%");
            }

            var unit = InPairs(mt) ? 2 : 1;
            count = unit * (int)Math.Round(zoneBlocks * pct / 100m / unit, MidpointRounding.AwayFromZero);
        }
        else if (rest.Length > 0 && char.IsLetter(rest[^1]))
        {
            count = PagesForBytes(ParseBytes(rest, $"zone spec part '{part}'"), $"zone spec part '{part}'") / PageAlloc.PageblockNrPages;
        }
        else if (!int.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out count))
        {
            throw new FormatException($"zone spec part '{part}': expected a block count, a percentage or a size after '='");
        }

        return new BlockRule(mt, count, placement);
    }

    /// <summary>
    /// The migratetype of every pageblock, rule by rule; the rest MOVABLE. UNMOVABLE and RECLAIMABLE blocks
    /// go in aligned buddy pairs: in a free zone, __free_one_page() merges two free buddy blocks of
    /// different mergeable types and relabels one ("match buddy type"), so a lone one would not survive boot.
    /// </summary>
    public MigrateType[] ResolveBlockTypes()
    {
        var n = NrPageblocks;
        var types = new MigrateType[n];
        var assigned = new bool[n];
        var claimed = 0;
        foreach (var rule in Blocks)
        {
            claimed += rule.Blocks;
            if (rule.Blocks < 0 || claimed > n)
            {
                throw new FormatException(
                    $"zone spec: {Describe(rule)} does not fit: the zone has {n} pageblocks and the rules ask for {claimed}");
            }

            var unit = InPairs(rule.Type) ? 2 : 1;
            if (rule.Blocks % unit != 0)
            {
                throw new FormatException(
                    $"zone spec: {Describe(rule)}: {MigrateTypes.KernelName(rule.Type).ToLowerInvariant()} blocks come in buddy pairs in a free zone " +
                    "(a lone one would merge into its free movable buddy at boot); give an even count");
            }

            // Candidate units: single free blocks, or aligned pairs of free blocks.
            var free = Enumerable.Range(0, n / unit).Select(u => u * unit).Where(b => Enumerable.Range(b, unit).All(x => x < n && !assigned[x])).ToArray();
            var units = rule.Blocks / unit;
            if (units > free.Length)
            {
                throw new FormatException($"zone spec: {Describe(rule)} does not fit in the {free.Length * unit} blocks left in aligned units of {unit}");
            }

            IEnumerable<int> chosen = rule.Placement switch
            {
                BlockPlacement.Start => free.Take(units),
                BlockPlacement.End => free.Reverse().Take(units),
                _ => Enumerable.Range(0, units).Select(i => free[(int)((long)i * free.Length / Math.Max(1, units))]),
            };
            foreach (var b in chosen)
            {
                for (var x = b; x < b + unit; x++)
                {
                    types[x] = rule.Type;
                    assigned[x] = true;
                }
            }
        }

        for (var b = 0; b < n; b++)
        {
            if (!assigned[b])
            {
                types[b] = MigrateType.Movable;
            }
        }

        return types;
    }

    /// <summary>Mergeable types other than MOVABLE must come in buddy pairs to stay what they are in a free zone.</summary>
    private static bool InPairs(MigrateType mt) => mt is MigrateType.Unmovable or MigrateType.Reclaimable;

    /// <summary>The spec in its text form.</summary>
    public string Describe()
    {
        var parts = new List<string> { FormatBytes((long)PresentPages * PageAlloc.PageSizeBytes) };
        parts.AddRange(Blocks.Select(Describe));
        return string.Join(',', parts);
    }

    public static string FormatBytes(long bytes)
    {
        string[] units = ["", "K", "M", "G", "T"];
        var u = 0;
        while (u < units.Length - 1 && bytes % 1024 == 0 && bytes >= 1024)
        {
            bytes /= 1024;
            u++;
        }

        return bytes.ToString(CultureInfo.InvariantCulture) + units[u];
    }

    private static string Describe(BlockRule rule) =>
        $"{MigrateTypes.KernelName(rule.Type).ToLowerInvariant()}={rule.Blocks}@{rule.Placement.ToString().ToLowerInvariant()}";
}
