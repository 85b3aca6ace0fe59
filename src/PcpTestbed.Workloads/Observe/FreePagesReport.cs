namespace PcpTestbed.Workloads.Observe;

/// <summary>
/// Free pages over a run, sampled by the coordinator: the timeline and, per migratetype, a summary of it.
/// </summary>
/// <param name="SampleIntervalSeconds">The interval asked for (<c>--sample-interval</c>).</param>
/// <param name="KeptIntervalSeconds">
/// The spacing of the samples kept: the asked interval, doubled each time the timeline reached
/// <see cref="FreePageSampler.MaxSamples"/> and every other sample was dropped (a long soak keeps a bounded timeline).
/// </param>
public sealed record FreePagesReport(
    double SampleIntervalSeconds,
    double KeptIntervalSeconds,
    IReadOnlyDictionary<string, FreePagesSummary> ByMigratetype,
    IReadOnlyList<FreePageSample> Samples);
