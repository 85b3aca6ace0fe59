namespace PcpTestbed.Execution.LockStat;

/// <summary>
/// Wait or hold times in ns. <see cref="Count"/> is the number of measured intervals: every contended
/// acquisition for wait times, the sampled acquisitions for hold times, so it shows the basis of the
/// percentiles. Percentiles come from a <see cref="LogLinearHistogram"/> (within 3.125 %); the rest is exact
/// over the measured intervals.
/// </summary>
public sealed record LockTimeStats(long Count, long Min, long Max, long Total, double Mean, long P50, long P99, long P999)
{
    public static LockTimeStats Empty { get; } = new(0, 0, 0, 0, 0, 0, 0, 0);

    public static LockTimeStats From(LogLinearHistogram h) =>
        h.Count == 0
            ? Empty
            : new LockTimeStats(
                h.Count, h.Min, h.Max, h.Total, h.Mean, h.ValueAtQuantile(0.50), h.ValueAtQuantile(0.99), h.ValueAtQuantile(0.999));
}
