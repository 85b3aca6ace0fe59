namespace PcpTestbed.Execution.LockStat;

/// <summary>
/// Estimates hold time, and so lock duty, from sampled holds.
/// </summary>
/// <remarks>
/// <para>
/// <b>Estimator.</b> A CPU's total hold time on a lock class (or at one site) is <c>H = T * A / n</c>: the total
/// <c>T</c> of its <c>n</c> sampled holds, scaled by its acquisitions <c>A</c> over its samples. Every acquisition is
/// sampled independently with probability 1/N (<see cref="LockStatRecorder"/>), so a CPU's sampled holds are a simple
/// random sample of its holds whichever sites they come from, and <c>H</c> is the ratio estimator of their total. A
/// CPU's class estimate uses all its samples of the class; a site's uses only the samples taken there, so the sites'
/// estimates add up to the class's only within sampling error.
/// </para>
/// <para>
/// <b>Error.</b> <c>Var(H) = A^2 * s^2 / n * (1 - n / A)</c>, <c>s^2</c> the sampled holds' variance: the relative
/// standard error is <c>CV / sqrt(n) * sqrt(1 - n / A)</c>, <c>CV = s / mean</c>. It shrinks with the square root of
/// the samples, and is 0 when every hold is timed (<c>n = A</c>). The squares come from the histogram's bucket
/// midpoints (each within 3.125 %), which is plenty for an error estimate. A duty is called rough
/// (<see cref="IsRough"/>) below <see cref="MinSamples"/> samples or above <see cref="RoughRelativeError"/>.
/// </para>
/// <para>
/// <b>Duty.</b> A CPU's duty is <c>H</c> over the run time, clamped to 1. Long-tailed holds make the estimate noisy:
/// on an oversubscribed host a holder preempted for a time slice holds for milliseconds, and one such hold sampled
/// stands for N. That shows as a large relative error, and a clamped duty is always rough.
/// </para>
/// </remarks>
public static class LockDutyEstimator
{
    /// <summary>Fewer samples than this and a variance estimate, and so the error, is itself unreliable.</summary>
    public const int MinSamples = 30;

    /// <summary>A relative standard error above this (10 %) makes a duty rough.</summary>
    public const double RoughRelativeError = 0.10;

    /// <summary>What <see cref="IsRough"/> means, for reports.</summary>
    public static readonly string RoughRule = FormattableString.Invariant($"under {MinSamples} samples or over {RoughRelativeError * 100:0}% relative error");

    /// <summary>The estimated total hold time, <c>T * A / n</c>; 0 with no samples.</summary>
    public static double HoldNs(HoldSampleSums s) => s.Samples == 0 ? 0 : (double)s.TotalNs * s.Acquisitions / s.Samples;

    /// <summary>The variance of <see cref="HoldNs"/>; 0 with no acquisitions, null when it cannot be told (fewer than 2 samples).</summary>
    public static double? HoldVarianceNs2(HoldSampleSums s)
    {
        if (s.Acquisitions == 0)
        {
            return 0;
        }

        if (s.Samples < 2)
        {
            return null;
        }

        var n = (double)s.Samples;
        var mean = s.TotalNs / n;
        var sampleVariance = Math.Max(0, (s.SumOfSquaresNs - (n * mean * mean)) / (n - 1));
        var unsampled = Math.Max(0, 1 - (n / s.Acquisitions));
        return (double)s.Acquisitions * s.Acquisitions * sampleVariance / n * unsampled;
    }

    /// <summary>sqrt(variance) / estimate; 0 for an exact 0, null when the variance is unknown or the estimate is 0 with spread.</summary>
    public static double? RelativeError(double estimateNs, double? varianceNs2) => varianceNs2 switch
    {
        null => null,
        var v when estimateNs > 0 => Math.Sqrt(v.Value) / estimateNs,
        0 => 0,
        _ => null,
    };

    /// <summary>
    /// The estimate rests on too few samples to mean much: the lock was taken, but fewer than <see cref="MinSamples"/>
    /// holds were timed or the relative error exceeds <see cref="RoughRelativeError"/>. An exact 0 (never taken) is not rough.
    /// </summary>
    public static bool IsRough(HoldSampleSums s, double? relativeError) =>
        s.Acquisitions > 0 && (s.Samples < MinSamples || relativeError is not { } e || e > RoughRelativeError);
}
