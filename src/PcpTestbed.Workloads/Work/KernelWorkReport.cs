namespace PcpTestbed.Workloads.Work;

/// <summary>The kernel work of a run, in the shape its JSON takes.</summary>
/// <param name="Engine">Who did it: <c>host</c> (OS threads) or <c>virtual</c>.</param>
/// <param name="Scale">The multiplier of the published costs.</param>
/// <param name="CostsNs">The published cost of each item, ns (scale 1).</param>
/// <param name="ChargesNs">What one unit of each item was charged, ns: the cost times the scale, rounded.</param>
/// <param name="Charged">What the CPUs charged, per item: units and ns, summed over CPUs.</param>
/// <param name="Calibration">The host's busy-loop and clear calibration; null when nothing was charged or the engine is not the host's.</param>
public sealed record KernelWorkReport(
    string Engine,
    double Scale,
    IReadOnlyDictionary<string, double> CostsNs,
    IReadOnlyDictionary<string, long> ChargesNs,
    IReadOnlyDictionary<string, ChargedWork> Charged,
    HostWorkCalibration? Calibration)
{
    /// <summary>Read after the run, with every CPU stopped.</summary>
    public static KernelWorkReport From(KernelWork work) => new(
        work.Engine.Engine,
        work.Scale,
        KernelWorkItems.All.ToDictionary(KernelWorkItems.Name, item => work.Costs[item]),
        KernelWorkItems.All.ToDictionary(KernelWorkItems.Name, work.ChargeNs),
        KernelWorkItems.All.ToDictionary(KernelWorkItems.Name, item => ChargedWork.From(work.Charged(item))),
        work.Charges ? (work.Engine as HostKernelWork)?.Calibration : null);
}

/// <summary>Units of one item the CPUs charged (pages, calls, packets, flushes, IPIs) and their ns.</summary>
public sealed record ChargedWork(long Count, long Ns)
{
    public static ChargedWork From((long Count, long Ns) charged) => new(charged.Count, charged.Ns);
}
