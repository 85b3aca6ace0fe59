namespace PcpTestbed.Execution.LockStat;

/// <summary>
/// What lock duty is estimated from, for one CPU and one lock class or site: its acquisitions, how many of their holds
/// were sampled, the sampled holds' total and the sum of their squares (ns and ns², the squares from histogram
/// bucket midpoints, so within 2 x 3.125 %).
/// </summary>
public readonly record struct HoldSampleSums(long Acquisitions, long Samples, long TotalNs, double SumOfSquaresNs)
{
    public static HoldSampleSums operator +(HoldSampleSums a, HoldSampleSums b) =>
        new(a.Acquisitions + b.Acquisitions, a.Samples + b.Samples, a.TotalNs + b.TotalNs, a.SumOfSquaresNs + b.SumOfSquaresNs);
}
