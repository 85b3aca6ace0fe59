namespace PcpTestbed.Model.Proc;

/// <summary>
/// Reads /proc/zoneinfo line by line. The file is a list of "Node N, zone NAME" sections; inside
/// one, the lines that matter are recognised by their leading words wherever they sit, because
/// the kernel inserts new counters between them from release to release.
/// </summary>
internal static class ZoneinfoParser
{
    // Lines of the form "<name> <pages>" that the importer uses, by their zoneinfo name.
    private static readonly string[] PageFields =
        ["boost", "min", "low", "high", "promo", "spanned", "present", "managed", "cma", "nr_free_pages", "nr_free_cma"];

    private static readonly string[] PagesetFields = ["count:", "high:", "batch:", "high_min:", "high_max:"];

    private static readonly string[] RequiredFields = ["pages free", "min", "low", "high", "spanned", "present", "managed"];

    // Beyond the six zone types the kernel has; a longer list is damage.
    private const int MaxProtectionEntries = 8;

    private enum Section
    {
        /// <summary>"per-node stats" up to "pages free": node counters, none of which the importer reads.</summary>
        NodeStats,
        Zone,
        Pagesets,
    }

    public static Zoneinfo Parse(ProcText text)
    {
        var zones = new List<ZoneinfoZone>();
        var firstSeen = new Dictionary<(int Node, string Name), int>();
        SectionReader? zone = null;
        for (var line = 1; line <= text.LineCount; line++)
        {
            var tokens = ProcText.Tokens(text[line]);
            if (tokens.Length == 0)
            {
                continue;
            }

            if (tokens[0] == "Node")
            {
                if (zone != null)
                {
                    zones.Add(zone.Finish(text));
                }

                zone = ParseHeader(text, line, tokens);
                if (firstSeen.TryGetValue((zone.Node, zone.Name), out var first))
                {
                    throw text.Error(line, $"expected each zone once, got node {zone.Node} zone {zone.Name} again (first at line {first})");
                }

                firstSeen.Add((zone.Node, zone.Name), line);
                continue;
            }

            if (zone == null)
            {
                throw text.Error(line, "'Node <id>, zone <name>' before any zone field", text[line].Trim());
            }

            zone.Read(text, line, tokens);
        }

        if (zone != null)
        {
            zones.Add(zone.Finish(text));
        }

        if (zones.Count == 0)
        {
            throw text.Error(0, "expected at least one 'Node <id>, zone <name>' section, got none");
        }

        return new Zoneinfo(text.Path, zones);
    }

    // "Node %d, zone %8s"
    private static SectionReader ParseHeader(ProcText text, int line, string[] tokens)
    {
        const string expected = "'Node <id>, zone <name>'";
        if (tokens.Length != 4 || !tokens[1].EndsWith(',') || tokens[2] != "zone" || !IsZoneName(tokens[3]))
        {
            throw text.Error(line, expected, text[line].Trim());
        }

        var node = (int)text.ParseCount(line, tokens[1][..^1], ProcText.MaxNodes - 1, $"a node id (0..{ProcText.MaxNodes - 1}) in {expected}");
        return new SectionReader(node, tokens[3], line);
    }

    internal static bool IsZoneName(string name) => name.Length is > 0 and <= 16 && name.All(char.IsAsciiLetterOrDigit);

    /// <summary>One zone section being read; checked for completeness and sanity when the next one starts.</summary>
    private sealed class SectionReader(int node, string name, int line)
    {
        private readonly Dictionary<string, long> _values = [];
        private readonly Dictionary<string, int> _lines = [];
        private readonly List<ZoneinfoPageset> _pagesets = [];
        private readonly Dictionary<string, long> _pageset = [];
        private IReadOnlyList<long> _protection = [];
        private Section _section = Section.Zone;
        private int _cpu = -1;
        private int _cpuLine;

        public int Node { get; } = node;

        public string Name { get; } = name;

        public void Read(ProcText text, int line, string[] tokens)
        {
            var key = tokens[0];
            if (key == "per-node" && tokens.Length == 2 && tokens[1] == "stats")
            {
                _section = Section.NodeStats;
                return;
            }

            if (key == "pages" && tokens.Length >= 2 && tokens[1] == "free")
            {
                _section = Section.Zone;
                Set(text, line, "pages free", tokens.Length == 3 ? tokens[2] : string.Join(' ', tokens.Skip(2)), ProcText.MaxPages);
                return;
            }

            if (_section == Section.NodeStats)
            {
                return;
            }

            if (key == "pagesets" && tokens.Length == 1)
            {
                _section = Section.Pagesets;
                return;
            }

            if (key == "cpu:")
            {
                ReadCpu(text, line, tokens);
                return;
            }

            if (PagesetFields.Contains(key))
            {
                if (_cpu < 0)
                {
                    throw text.Error(line, $"'cpu: <id>' under 'pagesets' before '{key}'", text[line].Trim());
                }

                if (_pageset.ContainsKey(key))
                {
                    throw text.Error(line, $"expected one '{key}' line in the pageset of cpu {_cpu}, got a second");
                }

                _pageset[key] = text.ParseCount(line, Single(tokens), int.MaxValue, $"'{key} <count>' for cpu {_cpu}");
                return;
            }

            switch (key)
            {
                case "protection:":
                    _protection = ParseProtection(text, line);
                    _lines["protection"] = line;
                    return;
                case "start_pfn:":
                case "reserved_highatomic:":
                case "free_highatomic:":
                    Set(text, line, key[..^1], Single(tokens), ProcText.MaxPages);
                    return;
            }

            if (PageFields.Contains(key))
            {
                Set(text, line, key, Single(tokens), ProcText.MaxPages);
            }

            // Anything else is a counter this importer does not use.
        }

        public ZoneinfoZone Finish(ProcText text)
        {
            EndPageset(text);
            foreach (var field in RequiredFields)
            {
                if (!_values.ContainsKey(field))
                {
                    throw text.Error(line, $"expected a '{field} <pages>' line in zone {Name} of node {Node}, got none before the section ended");
                }
            }

            var zone = new ZoneinfoZone
            {
                Node = Node,
                Name = Name,
                Line = line,
                PagesFree = _values["pages free"],
                Boost = Get("boost") ?? 0,
                Min = _values["min"],
                Low = _values["low"],
                High = _values["high"],
                Promo = Get("promo"),
                Spanned = _values["spanned"],
                Present = _values["present"],
                Managed = _values["managed"],
                Cma = Get("cma"),
                Protection = _protection,
                NrFreePages = Get("nr_free_pages"),
                NrFreeCma = Get("nr_free_cma"),
                StartPfn = Get("start_pfn"),
                ReservedHighatomic = Get("reserved_highatomic"),
                FreeHighatomic = Get("free_highatomic"),
                Pagesets = _pagesets.ToArray(),
                FieldLines = new Dictionary<string, int>(_lines),
            };
            CheckSane(text, zone);
            return zone;
        }

        // The relations the kernel maintains between the numbers; a copy that breaks one is damaged.
        private static void CheckSane(ProcText text, ZoneinfoZone z)
        {
            var where = $" in zone {z.Name} of node {z.Node}";
            if (z.Present > z.Spanned)
            {
                throw text.Error(z.LineOf("present"), $"present ≤ spanned ({z.Spanned}){where}", z.Present.ToString());
            }

            if (z.Managed > z.Present)
            {
                throw text.Error(z.LineOf("managed"), $"managed ≤ present ({z.Present}) and spanned ({z.Spanned}){where}", z.Managed.ToString());
            }

            if (z.Cma is { } cma && cma > z.Present)
            {
                throw text.Error(z.LineOf("cma"), $"cma ≤ present ({z.Present}){where}", cma.ToString());
            }

            // Every mark shown includes the boost, and each mark is at least the one below it.
            if (z.Min < z.Boost)
            {
                throw text.Error(z.LineOf("min"), $"min ≥ boost ({z.Boost}): /proc adds the boost to every watermark{where}", z.Min.ToString());
            }

            if (z.Low < z.Min)
            {
                throw text.Error(z.LineOf("low"), $"low ≥ min ({z.Min}){where}", z.Low.ToString());
            }

            if (z.High < z.Low)
            {
                throw text.Error(z.LineOf("high"), $"high ≥ low ({z.Low}){where}", z.High.ToString());
            }

            if (z.Promo is { } promo && promo < z.High)
            {
                throw text.Error(z.LineOf("promo"), $"promo ≥ high ({z.High}){where}", promo.ToString());
            }
        }

        private void ReadCpu(ProcText text, int line, string[] tokens)
        {
            if (_section != Section.Pagesets)
            {
                throw text.Error(line, "a 'pagesets' line before 'cpu: <id>'", text[line].Trim());
            }

            EndPageset(text);
            var cpu = (int)text.ParseCount(line, Single(tokens), ProcText.MaxCpus - 1, $"'cpu: <id>' with an id below {ProcText.MaxCpus}");
            var twin = _pagesets.FirstOrDefault(p => p.Cpu == cpu);
            if (twin != null)
            {
                throw text.Error(line, $"expected each cpu's pageset once in zone {Name}, got cpu {cpu} again (first at line {twin.Line})");
            }

            _cpu = cpu;
            _cpuLine = line;
        }

        private void EndPageset(ProcText text)
        {
            if (_cpu < 0)
            {
                return;
            }

            foreach (var field in PagesetFields.Take(3))
            {
                if (!_pageset.ContainsKey(field))
                {
                    throw text.Error(_cpuLine, $"expected a '{field} <count>' line in the pageset of cpu {_cpu} (zone {Name}), got none");
                }
            }

            _pagesets.Add(new ZoneinfoPageset
            {
                Cpu = _cpu,
                Line = _cpuLine,
                Count = (int)_pageset["count:"],
                High = (int)_pageset["high:"],
                Batch = (int)_pageset["batch:"],
                HighMin = _pageset.TryGetValue("high_min:", out var hmin) ? (int)hmin : null,
                HighMax = _pageset.TryGetValue("high_max:", out var hmax) ? (int)hmax : null,
            });
            _pageset.Clear();
            _cpu = -1;
        }

        private void Set(ProcText text, int line, string field, string token, long max)
        {
            if (_lines.TryGetValue(field, out var first))
            {
                throw text.Error(line, $"expected one '{field}' line in zone {Name} of node {Node}, got a second (first at line {first})");
            }

            _values[field] = text.ParseCount(line, token, max, $"'{field} <pages>' with a page count up to 2^40");
            _lines[field] = line;
        }

        private long? Get(string field) => _values.TryGetValue(field, out var v) ? v : null;

        // The value of a "<name> <value>" line; anything but exactly one value is not the line expected.
        private static string Single(string[] tokens) => tokens.Length == 2 ? tokens[1] : string.Join(' ', tokens.Skip(1));

        // "protection: (%ld, %ld, ...)"
        private static long[] ParseProtection(ProcText text, int line)
        {
            const string expected = "'protection: (<pages>, <pages>, ...)'";
            var raw = text[line];
            var rest = raw[(raw.IndexOf("protection:", StringComparison.Ordinal) + "protection:".Length)..].Trim();
            if (rest.Length < 2 || rest[0] != '(' || rest[^1] != ')')
            {
                throw text.Error(line, expected, rest);
            }

            var parts = rest[1..^1].Split(',', StringSplitOptions.TrimEntries);
            if (parts.Length > MaxProtectionEntries)
            {
                throw text.Error(line, $"at most {MaxProtectionEntries} entries in {expected}", rest);
            }

            return parts.Select(p => text.ParseCount(line, p, ProcText.MaxPages, "a page count up to 2^40 in " + expected)).ToArray();
        }
    }
}
