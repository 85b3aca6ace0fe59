namespace PcpTestbed.Workloads.Kinds;

/// <summary>The knobs of the workloads, where they matter. Zero means "choose from the CPU count".</summary>
public sealed record WorkloadParameters
{
    /// <summary>page-fault and cma: order-0 pages each CPU faults in before it unmaps them; null for page_fault1's 128 MiB, capped to the zone (<see cref="WorkloadSizes"/>).</summary>
    public int? RunLength { get; init; }

    /// <summary>purge: purger CPUs (default: a quarter of the CPUs, at least one).</summary>
    public int Purgers { get; init; }

    /// <summary>exit: pages each CPU allocates before all free at once; null for 256 MiB, capped to the zone (<see cref="WorkloadSizes"/>).</summary>
    public int? ExitFillPages { get; init; }

    /// <summary>purge: the largest extent a purger gives back with one madvise(); extents are drawn log-uniform over 1..this; null for 512 (<see cref="WorkloadSizes"/>).</summary>
    public int? PurgeExtentMaxPages { get; init; }

    /// <summary>udp: receive CPUs (default: half of the CPUs); the rest consume.</summary>
    public int UdpReceivers { get; init; }

    /// <summary>
    /// udp: the order of each receive allocation, before the order-0 fallback: 1 by default (a page_frag of 8 KiB); 4 is
    /// cxgb4's free-list pages (<see cref="UdpWorkload"/>).
    /// </summary>
    public int UdpRxOrder { get; init; } = 1;

    /// <summary>cma: the share of a synthetic zone's pageblocks that are CMA, in percent.</summary>
    public int CmaSharePercent { get; init; } = 50;

    /// <summary>mixed: order:weight pairs.</summary>
    public IReadOnlyList<(int Order, int Weight)> OrderMix { get; init; } = [(0, 60), (1, 10), (2, 10), (3, 10), (9, 10)];

    /// <summary>mixed: percent of frees handed to another CPU.</summary>
    public int RemoteFreePercent { get; init; } = 30;

    /// <summary>Pages a handoff queue (purger, consumer, inbox) holds before producers back off.</summary>
    public long QueueCapacityPages { get; init; } = 4096;

    public int EffectivePurgers(int cpus) => Purgers > 0 ? Math.Min(Purgers, Math.Max(1, cpus - 1)) : Math.Max(1, cpus / 4);

    public int EffectiveReceivers(int cpus) => UdpReceivers > 0 ? Math.Min(UdpReceivers, Math.Max(1, cpus - 1)) : Math.Max(1, cpus / 2);

    /// <summary>Parses "0:60,1:10,9:5".</summary>
    public static IReadOnlyList<(int Order, int Weight)> ParseOrderMix(string text)
    {
        var mix = new List<(int, int)>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = part.Split(':');
            if (kv.Length != 2 || !int.TryParse(kv[0], out var order) || !int.TryParse(kv[1], out var weight) ||
                order is < 0 or > Model.PageAlloc.MaxPageOrder || weight < 0)
            {
                throw new FormatException($"order mix part '{part}': expected ORDER:WEIGHT with ORDER in 0..10 and WEIGHT ≥ 0");
            }

            mix.Add((order, weight));
        }

        if (mix.Count == 0 || mix.Sum(m => m.Item2) == 0)
        {
            throw new FormatException($"order mix '{text}': expected at least one ORDER:WEIGHT with a positive weight");
        }

        return mix;
    }
}
