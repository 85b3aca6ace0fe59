using System.Numerics;
using System.Runtime.CompilerServices;

namespace PcpTestbed.Execution.LockStat;

/// <summary>
/// A log-linear histogram of non-negative integers (ns): values below 16 have a bucket each; above, every power
/// of two [2^e, 2^(e+1)) is split into 16 equal sub-buckets, up to 2^40 ns (about 18 minutes). Larger values
/// land in the last bucket; <see cref="Max"/> stays exact.
/// </summary>
/// <remarks>
/// <b>Error.</b> A quantile is answered with the midpoint of the bucket that holds the nearest-rank value
/// (the value at rank ceil(q * count) in sorted order), clamped to [<see cref="Min"/>, <see cref="Max"/>].
/// A bucket at [2^e, 2^(e+1)) is 2^(e-4) wide and starts at 16 * 2^(e-4) or above, so the midpoint is within
/// half a width, 1/32 = 3.125 % of the true value (exact below 16). The same bucket math backs the per-CPU
/// arrays of <see cref="LockStatRecorder"/>, which are merged into instances of this type on read.
/// </remarks>
public sealed class LogLinearHistogram
{
    public const int SubBucketBits = 4;
    public const int SubBucketCount = 1 << SubBucketBits;

    /// <summary>Values at or above 2^<see cref="RangeBits"/> share the last bucket.</summary>
    public const int RangeBits = 40;

    public const int BucketCount = SubBucketCount + ((RangeBits - SubBucketBits) * SubBucketCount);

    /// <summary>The worst relative error of a quantile, 1/32.</summary>
    public const double MaxRelativeError = 1.0 / (2 * SubBucketCount);

    private const long MaxTrackable = (1L << RangeBits) - 1;

    private readonly long[] _counts = new long[BucketCount];

    public long Count { get; private set; }

    public long Total { get; private set; }

    /// <summary>The smallest recorded value; 0 when empty.</summary>
    public long Min { get; private set; }

    public long Max { get; private set; }

    public double Mean => Count == 0 ? 0 : (double)Total / Count;

    public ReadOnlySpan<long> Buckets => _counts;

    /// <summary>The bucket a value falls in.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int BucketIndex(long value)
    {
        if (value < SubBucketCount)
        {
            return value <= 0 ? 0 : (int)value;
        }

        var v = (ulong)Math.Min(value, MaxTrackable);
        var exponent = BitOperations.Log2(v);
        var shift = exponent - SubBucketBits;
        var sub = (int)(v >> shift) & (SubBucketCount - 1);
        return ((shift + 1) << SubBucketBits) + sub;
    }

    /// <summary>The smallest value of a bucket.</summary>
    public static long BucketLowerBound(int index)
    {
        if (index < SubBucketCount)
        {
            return index;
        }

        var shift = (index >> SubBucketBits) - 1;
        var sub = index & (SubBucketCount - 1);
        return (long)(SubBucketCount + sub) << shift;
    }

    /// <summary>How many values a bucket holds.</summary>
    public static long BucketWidth(int index) => index < SubBucketCount ? 1 : 1L << ((index >> SubBucketBits) - 1);

    /// <summary>The sum of the squares of the values counted in <paramref name="buckets"/>, each taken at its bucket's midpoint.</summary>
    public static double SumOfSquares(ReadOnlySpan<long> buckets)
    {
        double sum = 0;
        for (var i = 0; i < buckets.Length; i++)
        {
            if (buckets[i] != 0)
            {
                var mid = BucketLowerBound(i) + ((BucketWidth(i) - 1) / 2.0);
                sum += buckets[i] * mid * mid;
            }
        }

        return sum;
    }

    public void Record(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        _counts[BucketIndex(value)]++;
        Include(1, value, value, value);
    }

    /// <summary>Adds counts kept elsewhere with the same bucket layout, with their exact count, total, min and max.</summary>
    public void Add(ReadOnlySpan<long> buckets, long count, long total, long min, long max)
    {
        if (buckets.Length != BucketCount)
        {
            throw new ArgumentException($"expected {BucketCount} buckets, got {buckets.Length}", nameof(buckets));
        }

        if (count == 0)
        {
            return;
        }

        for (var i = 0; i < BucketCount; i++)
        {
            _counts[i] += buckets[i];
        }

        Include(count, total, min, max);
    }

    public void Add(LogLinearHistogram other) => other.AddTo(this);

    /// <summary>The nearest-rank value at quantile <paramref name="q"/> in [0, 1], within <see cref="MaxRelativeError"/>; 0 when empty.</summary>
    public long ValueAtQuantile(double q)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(q, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(q, 1.0);
        if (Count == 0)
        {
            return 0;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(q * Count));
        long seen = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                var mid = BucketLowerBound(i) + ((BucketWidth(i) - 1) / 2);
                return Math.Clamp(mid, Min, Max);
            }
        }

        // Only a racy merge (a snapshot taken while CPUs record) can count more values than its buckets hold.
        return Max;
    }

    private void AddTo(LogLinearHistogram target) => target.Add(_counts, Count, Total, Min, Max);

    private void Include(long count, long total, long min, long max)
    {
        Min = Count == 0 ? min : Math.Min(Min, min);
        Max = Count == 0 ? max : Math.Max(Max, max);
        Count += count;
        Total += total;
    }
}
