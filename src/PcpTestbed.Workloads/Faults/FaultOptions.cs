using PcpTestbed.Execution.Locking;

namespace PcpTestbed.Workloads.Faults;

/// <summary>Faults injected during a run, each an option. All off by default.</summary>
public sealed record FaultOptions
{
    /// <summary>Take random CPUs offline (page_alloc_cpu_dead() on a surviving CPU) and bring them back.</summary>
    public bool CpuHotplug { get; init; }

    /// <summary>Mean time between CPU deaths; a dead CPU comes back online after as long again (jittered).</summary>
    public TimeSpan HotplugInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Percent of steps after which a CPU also runs drain_all_pages() (a drain storm).</summary>
    public int DrainStormPercent { get; init; }

    /// <summary>Now and then one CPU allocates until the zone is exhausted, holds the pages a while, then frees them.</summary>
    public bool Exhaustion { get; init; }

    public TimeSpan ExhaustionInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>A busy-wait inside every zone->lock and pcp->lock hold, like `perf lock contention -J`.</summary>
    public HoldDelays HoldDelays { get; init; }

    public bool HasHoldDelays => HoldDelays.ZoneNs > 0 || HoldDelays.PcpNs > 0 || HoldDelays.IrqNs > 0;

    public bool Any => CpuHotplug || DrainStormPercent > 0 || Exhaustion || HasHoldDelays;

    /// <summary>Every fault on, for soak runs.</summary>
    public static FaultOptions All => new()
    {
        CpuHotplug = true,
        DrainStormPercent = 1,
        Exhaustion = true,
        HoldDelays = new HoldDelays(ZoneNs: 200, PcpNs: 50),
    };

    public IReadOnlyList<string> Names()
    {
        var names = new List<string>();
        if (CpuHotplug)
        {
            names.Add("cpu-hotplug");
        }

        if (DrainStormPercent > 0)
        {
            names.Add($"drain-storm:{DrainStormPercent}%");
        }

        if (Exhaustion)
        {
            names.Add("exhaustion");
        }

        if (HasHoldDelays)
        {
            names.Add(HoldDelays.IrqNs > 0
                ? $"hold-delay:zone={HoldDelays.ZoneNs}ns,pcp={HoldDelays.PcpNs}ns,irq={HoldDelays.IrqNs}ns@{HoldDelays.IrqPercent}%" +
                  (HoldDelays.IrqSites is { } sites ? $"@{string.Join('+', sites.Names)}" : "")
                : $"hold-delay:zone={HoldDelays.ZoneNs}ns,pcp={HoldDelays.PcpNs}ns");
        }

        return names;
    }
}
