using System.CommandLine;

namespace PcpTestbed.Stress.Cli;

/// <summary>Options several verbs share, defined once.</summary>
public static class CommonOptions
{
    public static Option<string?> ZoneSize() => new("--zone-size")
    {
        Description = "A synthetic zone: SIZE[,TYPE=AMOUNT[@start|@end|@spread]]..., e.g. 16G or 4G,cma=25%@end,unmovable=8@start",
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

    public static Option<int> Node() => new("--node")
    {
        Description = "The NUMA node of the zone to import (default 0)",
        DefaultValueFactory = _ => 0,
    };

    public static Option<string?> JsonFile() => new("--json")
    {
        Description = "Also write the results as JSON to FILE",
        HelpName = "FILE",
    };

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
