using System.Diagnostics;

namespace PcpTestbed.Benchmarks.Suite;

/// <summary>
/// Runs a benchmark's path until the JIT has had time to compile it at its final tier, before BenchmarkDotNet
/// times anything.
/// </summary>
/// <remarks>
/// Tiered compilation promotes a method (tier 0, then instrumented tier 0 for Dynamic PGO, then tier 1) only once
/// 100 ms pass without new tier-0 compilations, and compiles the next tier on a background thread. On the shared
/// 2-core host that thread can wait a long time for a core while the benchmark thread spins. The hot-path job's
/// warm-up is short (ten 4 ms iterations), so without this the suite measured tier-0 code for whole cases: the
/// order-0 pair took a steady ~200 ns instead of ~35 ns, only in some cases (observed on every 64 GiB case of one
/// run). Pausing between bursts hands the core to the JIT's thread.
/// </remarks>
public static class TierWarmup
{
    private static readonly TimeSpan Burst = TimeSpan.FromMilliseconds(150);
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(40);
    private const int Bursts = 10;

    /// <summary>
    /// Calls <paramref name="step"/> in bursts of <see cref="Burst"/>, <see cref="Bursts"/> times, pausing in between.
    /// The dry run measures nothing, so it calls it once.
    /// </summary>
    public static void Run(Action step)
    {
        if (SuiteMode.Dry)
        {
            step();
            return;
        }

        for (var burst = 0; burst < Bursts; burst++)
        {
            var start = Stopwatch.GetTimestamp();
            while (Stopwatch.GetElapsedTime(start) < Burst)
            {
                step();
            }

            Thread.Sleep(Pause);
        }
    }
}
