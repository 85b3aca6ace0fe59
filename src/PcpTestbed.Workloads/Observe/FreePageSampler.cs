using PcpTestbed.Model;

namespace PcpTestbed.Workloads.Observe;

/// <summary>
/// The coordinator's free-page sampler: reads the zone's free counters and its free-list counts per (order,
/// migratetype) without zone->lock, like reading /proc/pagetypeinfo and /proc/zoneinfo while the CPUs run, once per
/// interval. The timeline is bounded: at <see cref="MaxSamples"/> every other sample is dropped and the interval
/// doubles, so an hours-long soak keeps a few thousand samples spread over all of it.
/// </summary>
/// <remarks>Used by one thread, the run's coordinator.</remarks>
public sealed class FreePageSampler
{
    public const int MaxSamples = 2048;

    private readonly Zone _zone;
    private readonly List<FreePageSample> _samples = [];

    public FreePageSampler(Zone zone, TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _zone = zone;
        RequestedInterval = interval;
        Interval = interval;
    }

    public TimeSpan RequestedInterval { get; }

    /// <summary>The spacing of the samples kept: <see cref="RequestedInterval"/>, doubled at each thinning.</summary>
    public TimeSpan Interval { get; private set; }

    /// <summary>When the next sample is due.</summary>
    public TimeSpan Next { get; private set; }

    public IReadOnlyList<FreePageSample> Samples => _samples;

    /// <summary>Takes a sample at <paramref name="at"/> (since the run's start).</summary>
    public void Take(TimeSpan at)
    {
        if (_samples.Count >= MaxSamples)
        {
            Thin();
        }

        _samples.Add(FreePageSample.Read(_zone, at.TotalSeconds));
        Next = at + Interval;
    }

    public void TakeIfDue(TimeSpan now)
    {
        if (now >= Next)
        {
            Take(now);
        }
    }

    /// <summary>One counter over the samples: the first, the last, the least and the most.</summary>
    public CounterRange Range(Func<FreePageSample, long> counter)
    {
        if (_samples.Count == 0)
        {
            throw new InvalidOperationException("no samples taken");
        }

        return new CounterRange(counter(_samples[0]), counter(_samples[^1]), _samples.Min(counter), _samples.Max(counter));
    }

    public FreePagesReport Report() => new(
        RequestedInterval.TotalSeconds,
        Interval.TotalSeconds,
        MigratetypeKeys.ByType(mt =>
        {
            var pages = _samples.Select(s => s.FreePagesOf(mt)).ToList();
            return new FreePagesSummary(pages[0], pages.Min(), pages.Average(), pages.Max(), pages[^1]);
        }),
        _samples);

    /// <summary>Keeps every other sample, the first included, and doubles the interval.</summary>
    private void Thin()
    {
        var kept = 0;
        for (var i = 0; i < _samples.Count; i += 2)
        {
            _samples[kept++] = _samples[i];
        }

        _samples.RemoveRange(kept, _samples.Count - kept);
        Interval *= 2;
    }
}
