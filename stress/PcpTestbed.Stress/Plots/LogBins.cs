using PcpTestbed.Execution.LockStat;

namespace PcpTestbed.Stress.Plots;

/// <summary>
/// Rebins a <see cref="LogLinearHistogram"/> into bins of equal width on a log scale (half octaves: the clock's granularity makes finer bins below 100 ns spiky), so a
/// histogram on a log x axis shows shape rather than bucket widths. A source bucket's count is spread over the
/// bins it overlaps in proportion to the log-scale overlap (values taken as log-uniform inside a bucket);
/// the exact buckets below 16 ns land whole in the bin of their value, 0 ns in the first bin.
/// </summary>
public static class LogBins
{
    public const int BinsPerOctave = 2;

    /// <summary>The bins from 1 ns up to the histogram's range.</summary>
    public const int BinCount = BinsPerOctave * LogLinearHistogram.RangeBits;

    /// <summary>Share of the samples in each bin, in percent; all zero when the histogram is empty.</summary>
    public static double[] Shares(LogLinearHistogram h)
    {
        var shares = new double[BinCount];
        if (h.Count == 0)
        {
            return shares;
        }

        var buckets = h.Buckets;
        long total = 0;
        foreach (var b in buckets)
        {
            total += b;
        }

        if (total == 0)
        {
            return shares;
        }

        for (var i = 0; i < buckets.Length; i++)
        {
            var n = buckets[i];
            if (n == 0)
            {
                continue;
            }

            var lo = LogLinearHistogram.BucketLowerBound(i);
            var width = LogLinearHistogram.BucketWidth(i);
            if (width == 1)
            {
                shares[BinOf(Math.Max(1, lo))] += n;
                continue;
            }

            var logLo = Math.Log2(lo);
            var logHi = Math.Log2(lo + width);
            var first = BinOf(lo);
            for (var bin = first; bin < BinCount; bin++)
            {
                var binLo = (double)bin / BinsPerOctave;
                var binHi = (double)(bin + 1) / BinsPerOctave;
                if (binLo >= logHi)
                {
                    break;
                }

                var overlap = Math.Min(binHi, logHi) - Math.Max(binLo, logLo);
                if (overlap > 0)
                {
                    shares[bin] += n * overlap / (logHi - logLo);
                }
            }
        }

        for (var bin = 0; bin < BinCount; bin++)
        {
            shares[bin] = 100.0 * shares[bin] / total;
        }

        return shares;
    }

    /// <summary>The lower edge of a bin in ns.</summary>
    public static double LowerEdgeNs(int bin) => Math.Pow(2, (double)bin / BinsPerOctave);

    private static int BinOf(long ns) => Math.Clamp((int)Math.Floor(Math.Log2(ns) * BinsPerOctave + 1e-9), 0, BinCount - 1);
}
