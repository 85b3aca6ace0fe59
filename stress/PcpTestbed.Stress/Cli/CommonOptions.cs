using System.CommandLine;
using PcpTestbed.Designs;

namespace PcpTestbed.Stress.Cli;

/// <summary>
/// Options several verbs share, defined once. Every typed option parses its own text, so a bad value reads
/// "--cpus 'abc': expected a whole number from 1 to 1024" rather than System.CommandLine's type names.
/// </summary>
public static class CommonOptions
{
    public static Option<string?> ZoneSize() => new("--zone-size")
    {
        Description = "A synthetic zone: SIZE[,TYPE=AMOUNT[@start|@end|@spread]]..., e.g. 16G or 4G,cma=25%@end,unmovable=8@start (default 1G)",
        HelpName = "SPEC",
    };

    public static Option<string?> ZoneFromProc() => new("--zone-from-proc")
    {
        Description = "Shape the zone like a real kernel's: the live /proc, or a folder of copies (zoneinfo, pagetypeinfo, min_free_kbytes, ...)",
        HelpName = "DIR",
        Arity = ArgumentArity.ZeroOrOne,
    };

    public static Option<string?> ZoneName() => new("--zone-name")
    {
        Description = "The zone to import with --zone-from-proc (default Normal)",
        HelpName = "NAME",
    };

    public static Option<int> Node()
    {
        var option = Parsed<int>("--node", "The NUMA node of the zone to import (default 0)", "N", (string t, out int v, out string p) =>
        {
            var ok = Values.TryWhole(t, 0, 1023, out var n, out p);
            v = (int)n;
            return ok;
        });
        option.DefaultValueFactory = _ => 0;
        return option;
    }

    public static Option<string?> JsonFile() => new("--json")
    {
        Description = "Also write the results as JSON to FILE",
        HelpName = "FILE",
    };

    /// <summary>An option whose value <paramref name="parse"/> reads; a value it rejects is a parse error naming the option and the value.</summary>
    public static Option<T> Parsed<T>(string name, string description, string helpName, Values.TryParse<T> parse, params string[] aliases)
    {
        return new Option<T>(name, aliases)
        {
            Description = description,
            HelpName = helpName,
            CustomParser = r =>
            {
                if (r.Tokens.Count == 0)
                {
                    r.AddError($"{name}: expected a value");
                    return default!;
                }

                var token = r.Tokens[^1].Value;
                if (parse(token, out var value, out var problem))
                {
                    return value;
                }

                r.AddError($"{name} '{Values.Show(token)}': {problem}");
                return default!;
            },
        };
    }

    /// <summary>A whole number in [<paramref name="min"/>, <paramref name="max"/>]; null when not given.</summary>
    public static Option<int?> Int(string name, string description, int min, int max, string helpName = "N") =>
        Parsed<int?>(name, description, helpName, (string t, out int? v, out string p) =>
        {
            var ok = Values.TryWhole(t, min, max, out var n, out p);
            v = ok ? (int)n : null;
            return ok;
        });

    public static Option<long?> Long(string name, string description, long min, long max, string helpName = "N") =>
        Parsed<long?>(name, description, helpName, (string t, out long? v, out string p) =>
        {
            var ok = Values.TryWhole(t, min, max, out var n, out p);
            v = ok ? n : null;
            return ok;
        });

    public static Option<double?> Number(string name, string description, double min, double max, string helpName = "X") =>
        Parsed<double?>(name, description, helpName, (string t, out double? v, out string p) =>
        {
            var ok = Values.TryNumber(t, min, max, out var x, out p);
            v = ok ? x : null;
            return ok;
        });

    /// <summary>A comma-separated list of whole numbers, each in range, duplicates dropped.</summary>
    public static Option<IReadOnlyList<int>?> IntList(string name, string description, int min, int max, string helpName = "N,N,...") =>
        Parsed<IReadOnlyList<int>?>(name, description, helpName, (string t, out IReadOnlyList<int>? v, out string p) =>
        {
            var ok = Values.TryList(t, (string s, out int x, out string q) =>
            {
                var r = Values.TryWhole(s, min, max, out var n, out q);
                x = (int)n;
                return r;
            }, out var list, out p);
            v = ok ? list : null;
            return ok;
        });

    /// <summary>One name from a fixed set (a design, a workload, a variant...), matched without regard to case.</summary>
    public static Option<T?> Choice<T>(string name, string description, string what, Values.TryParse<T> tryParse, string names, string helpName = "NAME", params string[] aliases)
        where T : struct =>
        Parsed<T?>(name, description, helpName, (string t, out T? v, out string p) =>
        {
            var ok = tryParse(t.Trim(), out var x, out _);
            v = ok ? x : null;
            p = $"unknown {what}; expected one of {names}";
            return ok;
        }, aliases);

    /// <summary>Several names from a fixed set, comma-separated, or "all".</summary>
    public static Option<IReadOnlyList<T>?> Choices<T>(string name, string description, string what, Values.TryParse<T> tryParse, IEnumerable<T> all, string names,
        params string[] aliases) =>
        Parsed<IReadOnlyList<T>?>(name, description, "NAME,NAME,...|all", (string t, out IReadOnlyList<T>? v, out string p) =>
        {
            if (string.Equals(t.Trim(), "all", StringComparison.OrdinalIgnoreCase))
            {
                v = all.ToList();
                p = "";
                return true;
            }

            var ok = Values.TryList(t, (string s, out T x, out string q) =>
            {
                var r = tryParse(s, out x, out _);
                q = $"unknown {what}; expected one of {names}";
                return r;
            }, out var list, out p);
            v = ok ? list : null;
            return ok;
        }, aliases);

    public static bool TryDesign(string text, out DesignKind kind, out string problem)
    {
        problem = $"unknown design; expected one of {Designs.Designs.Names}";
        return Designs.Designs.TryParse(text, out kind);
    }

    /// <summary>The zone options, resolved. <paramref name="defaultSize"/> applies when neither is given.</summary>
    public static ZoneSource ResolveZone(ParseResult result, Option<string?> size, Option<string?> fromProc, Option<string?> name, Option<int> node, string defaultSize = ZoneSource.DefaultSize)
    {
        var procGiven = result.GetResult(fromProc) is { Implicit: false };
        return ZoneSource.Resolve(result.GetValue(size), procGiven, result.GetValue(fromProc), result.GetValue(name), result.GetValue(node), defaultSize);
    }

    /// <summary>A positive count, or a usage error naming the option.</summary>
    public static int Positive(int value, string option, int max = int.MaxValue)
    {
        if (value < 1 || value > max)
        {
            throw new UsageException($"{option} {value}: expected a whole number from 1 to {max}");
        }

        return value;
    }
}
