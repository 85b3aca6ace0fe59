namespace PcpTestbed.Workloads.Support;

/// <summary>
/// A per-CPU xorshift64* generator: seeded from the run's seed and the CPU id, so a run's choices are
/// reproducible CPU by CPU, and no CPU touches another's state. Not thread-safe by design.
/// </summary>
public sealed class CpuRandom
{
    private ulong _state;

    public CpuRandom(long seed, int cpu)
    {
        // SplitMix64 of (seed, cpu) avoids correlated streams for neighbouring CPUs.
        var z = (ulong)seed + 0x9E3779B97F4A7C15UL * (ulong)(cpu + 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        _state = (z ^ (z >> 31)) | 1;
    }

    public ulong NextU64()
    {
        var x = _state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        _state = x;
        return x * 0x2545F4914F6CDD1DUL;
    }

    /// <summary>A value in [0, <paramref name="max"/>).</summary>
    public int Next(int max) => (int)((NextU64() >> 33) % (ulong)max);

    /// <summary>A value in [0, 1).</summary>
    public double NextDouble() => (NextU64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>
    /// A whole number in 1..<paramref name="max"/>, log-uniform: floor(e^u) for u uniform in [0, ln(max + 1)), so
    /// every octave is as likely as the next and k is drawn with probability ln((k + 1) / k) / ln(max + 1).
    /// </summary>
    public int LogUniform(int max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var k = (int)Math.Exp(NextDouble() * Math.Log(max + 1.0));
        return Math.Clamp(k, 1, max);
    }

    /// <summary>True with probability <paramref name="percent"/>/100.</summary>
    public bool Percent(int percent) => Next(100) < percent;
}
