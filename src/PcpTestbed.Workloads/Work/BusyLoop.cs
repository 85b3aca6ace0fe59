using System.Runtime.CompilerServices;

namespace PcpTestbed.Workloads.Work;

/// <summary>
/// Busy time without the clock: a chain of dependent xorshift steps, which the JIT cannot remove (the result is kept)
/// nor vectorise (each step needs the last). Compiled fully optimised at once, so the calibration times the same code
/// the runs execute. Never sleeps and never yields: a CPU doing kernel work keeps its host core.
/// </summary>
public static class BusyLoop
{
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static ulong Run(ulong x, long iterations)
    {
        for (long i = 0; i < iterations; i++)
        {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }

        return x;
    }
}
