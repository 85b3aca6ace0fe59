using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace PcpTestbed.Execution.LockStat;

/// <summary>
/// The clock lock statistics are measured with: <see cref="Stopwatch.GetTimestamp"/> (CLOCK_MONOTONIC through
/// the vDSO on Linux), calibrated once per process for its own cost.
/// </summary>
/// <remarks>
/// An interval measured with two clock reads also contains the cost of one read: the time between the first
/// read's sample and its return plus the time from the second call to its sample. That is what two back-to-back
/// reads measure, so <see cref="ReadCostTicks"/> is the median of many back-to-back deltas, taken when the type
/// is first used (build the recorder before the run starts), and <see cref="IntervalNs"/> subtracts it.
/// The median rather than the minimum: it is the typical cost, so means come out unbiased; an interval shorter
/// than the subtraction clamps to 0.
/// </remarks>
public static class LockClock
{
    public const int CalibrationSamples = 20_001;

    public static readonly double NsPerTick = 1e9 / Stopwatch.Frequency;

    /// <summary>Median cost of one clock read, in ticks.</summary>
    public static readonly long ReadCostTicks = Calibrate(CalibrationSamples);

    public static double ReadCostNs => ReadCostTicks * NsPerTick;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Now() => Stopwatch.GetTimestamp();

    /// <summary>The time between two reads of <see cref="Now"/> minus the cost of a read, in ns, never negative.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long IntervalNs(long start, long end)
    {
        var ticks = end - start - ReadCostTicks;
        return ticks <= 0 ? 0 : (long)(ticks * NsPerTick);
    }

    /// <summary>The median delta of <paramref name="samples"/> back-to-back clock reads, in ticks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long Calibrate(int samples)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        var deltas = new long[samples];

        // Warm the call path (vDSO page, branch predictors) before keeping any sample.
        for (var i = 0; i < 1000; i++)
        {
            _ = Stopwatch.GetTimestamp();
        }

        for (var i = 0; i < samples; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            var t1 = Stopwatch.GetTimestamp();
            deltas[i] = t1 - t0;
        }

        Array.Sort(deltas);
        return deltas[samples / 2];
    }
}
