using PcpTestbed.Execution.LockStat;

namespace PcpTestbed.Execution.Tests;

public class LogLinearHistogramTests
{
    private static readonly double[] Quantiles = [0.0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1.0];

    public static TheoryData<string> Distributions => ["uniform", "exponential", "lognormal", "constant", "bimodal"];

    [Theory]
    [MemberData(nameof(Distributions))]
    public void Quantiles_are_within_the_documented_relative_error_of_the_exact_nearest_rank_value(string distribution)
    {
        var values = Sample(distribution, 200_000, new Random(12345));
        var h = new LogLinearHistogram();
        foreach (var v in values)
        {
            h.Record(v);
        }

        Array.Sort(values);
        foreach (var q in Quantiles)
        {
            var exact = values[Math.Max(0, (int)Math.Ceiling(q * values.Length) - 1)];
            var estimate = h.ValueAtQuantile(q);
            Assert.True(
                Math.Abs(estimate - exact) <= exact * LogLinearHistogram.MaxRelativeError,
                $"{distribution} q={q}: estimate {estimate}, exact {exact}");
        }

        Assert.Equal(values.Length, h.Count);
        Assert.Equal(values[0], h.Min);
        Assert.Equal(values[^1], h.Max);
        Assert.Equal(values.Sum(), h.Total);
    }

    [Fact]
    public void Values_below_sixteen_have_exact_buckets()
    {
        for (long v = 0; v < 16; v++)
        {
            Assert.Equal(v, LogLinearHistogram.BucketLowerBound(LogLinearHistogram.BucketIndex(v)));
            Assert.Equal(1, LogLinearHistogram.BucketWidth(LogLinearHistogram.BucketIndex(v)));
        }
    }

    [Fact]
    public void Every_value_falls_in_a_bucket_whose_width_is_at_most_a_sixteenth_of_its_lower_bound()
    {
        var rng = new Random(7);
        for (var i = 0; i < 100_000; i++)
        {
            var v = (long)Math.Exp(rng.NextDouble() * Math.Log(1L << 40));
            var b = LogLinearHistogram.BucketIndex(v);
            var low = LogLinearHistogram.BucketLowerBound(b);
            var width = LogLinearHistogram.BucketWidth(b);
            Assert.InRange(v, low, low + width - 1);
            Assert.True(width == 1 || width * 16 <= low, $"bucket {b} [{low}, +{width}) is too wide");
        }
    }

    [Fact]
    public void Values_beyond_the_range_land_in_the_last_bucket_and_keep_an_exact_max()
    {
        var h = new LogLinearHistogram();
        h.Record(1L << 50);

        Assert.Equal(LogLinearHistogram.BucketCount - 1, LogLinearHistogram.BucketIndex(1L << 50));
        Assert.Equal(1L << 50, h.Max);
        Assert.Equal(1L << 50, h.ValueAtQuantile(0.5));
    }

    [Fact]
    public void Merging_histograms_equals_recording_everything_in_one()
    {
        var rng = new Random(3);
        var all = new LogLinearHistogram();
        var a = new LogLinearHistogram();
        var b = new LogLinearHistogram();
        for (var i = 0; i < 10_000; i++)
        {
            var v = rng.NextInt64(0, 1_000_000);
            all.Record(v);
            (i % 3 == 0 ? a : b).Record(v);
        }

        var merged = new LogLinearHistogram();
        merged.Add(a);
        merged.Add(b);

        Assert.Equal(all.Buckets.ToArray(), merged.Buckets.ToArray());
        Assert.Equal((all.Count, all.Min, all.Max, all.Total), (merged.Count, merged.Min, merged.Max, merged.Total));
    }

    private static long[] Sample(string distribution, int n, Random rng)
    {
        var values = new long[n];
        for (var i = 0; i < n; i++)
        {
            values[i] = distribution switch
            {
                "uniform" => rng.NextInt64(1, 1_000_000),
                "exponential" => (long)(-Math.Log(1 - rng.NextDouble()) * 5_000),
                "lognormal" => (long)Math.Exp(8 + (2 * Normal(rng))),
                "constant" => 1234,
                "bimodal" => rng.Next(2) == 0 ? rng.NextInt64(20, 40) : rng.NextInt64(50_000, 80_000),
                _ => throw new ArgumentOutOfRangeException(nameof(distribution)),
            };
        }

        return values;
    }

    private static double Normal(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
