using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace PcpTestbed.Workloads.Work;

/// <summary>
/// What <see cref="HostKernelWork"/> measured on this host before a run: the busy loop's time per iteration and the
/// real clear of a hot 4 KiB buffer, each the fastest of <see cref="Rounds"/> rounds (noise only adds time). Measured
/// once per process, when a run first charges work.
/// </summary>
/// <param name="SpinNsPerIteration">One iteration of <see cref="BusyLoop"/>: busy time is charged as ns / this many iterations.</param>
/// <param name="ClearPageNs">One real clear of the CPU's 4 KiB buffer, hot in cache: the published (cold) clear is topped up by the difference.</param>
/// <param name="Rounds">Rounds of each measurement; the fastest counts.</param>
/// <param name="Milliseconds">How long the calibration took.</param>
public sealed record HostWorkCalibration(double SpinNsPerIteration, double ClearPageNs, int Rounds, double Milliseconds)
{
    public const int DefaultRounds = 7;

    private const long SpinIterations = 1 << 18;
    private const int Clears = 4096;

    private static readonly Lazy<HostWorkCalibration> SharedCalibration = new(() => Measure(DefaultRounds), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>This process's calibration, measured on first use.</summary>
    public static HostWorkCalibration Shared => SharedCalibration.Value;

    /// <summary>Times the busy loop and the 4 KiB clear, each the fastest of <paramref name="rounds"/> rounds after one discarded warm-up round.</summary>
    public static HostWorkCalibration Measure(int rounds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        var started = Stopwatch.GetTimestamp();
        var page = GC.AllocateArray<byte>(HostKernelWork.PageBytes, pinned: true);
        var spin = double.MaxValue;
        var clear = double.MaxValue;
        ulong sink = 1;
        for (var round = -1; round < rounds; round++)
        {
            var t0 = Stopwatch.GetTimestamp();
            sink = BusyLoop.Run(sink, SpinIterations);
            var t1 = Stopwatch.GetTimestamp();
            ClearMany(page, Clears);
            var t2 = Stopwatch.GetTimestamp();
            if (round >= 0)
            {
                spin = Math.Min(spin, Ns(t0, t1) / SpinIterations);
                clear = Math.Min(clear, Ns(t1, t2) / Clears);
            }
        }

        GC.KeepAlive(sink);
        return new HostWorkCalibration(Math.Max(spin, 0.01), clear, rounds, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void ClearMany(byte[] page, int times)
    {
        for (var i = 0; i < times; i++)
        {
            HostKernelWork.Clear(page);
        }
    }

    private static double Ns(long from, long to) => (to - from) * 1e9 / Stopwatch.Frequency;
}
