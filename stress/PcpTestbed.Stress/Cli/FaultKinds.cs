namespace PcpTestbed.Stress.Cli;

public static class FaultKinds
{
    private static readonly (FaultKind Kind, string Name)[] Table =
    [
        (FaultKind.CpuHotplug, "cpu-hotplug"),
        (FaultKind.DrainStorm, "drain-storm"),
        (FaultKind.Exhaustion, "exhaustion"),
        (FaultKind.HoldDelay, "hold-delay"),
    ];

    /// <summary>Every fault ("all"); not "none".</summary>
    public static IEnumerable<FaultKind> All => Table.Select(t => t.Kind);

    public static string Names => string.Join(", ", Table.Select(t => t.Name));

    public static string Name(FaultKind kind) => kind == FaultKind.None ? "none" : Table.First(t => t.Kind == kind).Name;

    public static bool TryParse(string text, out FaultKind kind, out string problem)
    {
        problem = $"expected one of {Names}, all, none";
        var t = text.Trim();
        if (string.Equals(t, "none", StringComparison.OrdinalIgnoreCase))
        {
            kind = FaultKind.None;
            return true;
        }

        foreach (var (k, name) in Table)
        {
            if (string.Equals(name, t, StringComparison.OrdinalIgnoreCase))
            {
                kind = k;
                return true;
            }
        }

        kind = default;
        return false;
    }
}
