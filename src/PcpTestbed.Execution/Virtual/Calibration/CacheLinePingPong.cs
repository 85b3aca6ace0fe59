using System.Diagnostics;
using System.Runtime.CompilerServices;
using PcpTestbed.Execution.Cpus;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Virtual.Calibration;

/// <summary>
/// A cache line bounced between two threads pinned to two host CPUs: each waits to see the other's write, then writes
/// back. A round trip is two transfers, so a transfer is half a round trip: the core-to-core latency, measured the
/// way core-to-core latency tests (chipsandcheese.com, AnandTech) measure it, but with plain stores instead of a CAS.
/// </summary>
internal sealed class CacheLinePingPong
{
    private const int Slot = CacheLine.Size / sizeof(int);

    /// <summary>A run slower than this means the host did not run both threads at once.</summary>
    private static readonly long GiveUpTicks = 2 * Stopwatch.Frequency;

    private readonly int[] _line = new int[3 * Slot]; // the shared word sits alone on its line
    private readonly int _runs;
    private readonly int _roundTrips;
    private double _bestNs = double.MaxValue;
    private volatile string? _failure;

    private CacheLinePingPong(int runs, int roundTrips)
    {
        _runs = runs;
        _roundTrips = roundTrips;
    }

    /// <summary>The fastest of <paramref name="runs"/> runs (after one to warm up), ns per transfer; null, saying why, when the host cannot run two pinned threads together.</summary>
    public static double? Measure(int runs, int roundTrips, out string? why)
    {
        if (!HostAffinity.IsSupported)
        {
            why = "thread pinning needs Linux";
            return null;
        }

        var cpus = HostAffinity.GetCurrentThreadAffinity();
        if (cpus.Length < 2)
        {
            why = $"the process may run on {cpus.Length} host CPU only";
            return null;
        }

        var p = new CacheLinePingPong(runs, roundTrips);
        var server = new Thread(() => p.Pinned(cpus[0], p.Serve)) { IsBackground = true, Name = "pingpong-serve" };
        var responder = new Thread(() => p.Pinned(cpus[1], p.Respond)) { IsBackground = true, Name = "pingpong-respond" };
        responder.Start();
        server.Start();
        var patience = TimeSpan.FromSeconds(2.0 * (runs + 2));
        if (!server.Join(patience) || !responder.Join(patience))
        {
            p._failure ??= "the ping-pong threads did not finish";
        }

        why = p._failure;
        return why is null ? p._bestNs : null;
    }

    private void Pinned(int hostCpu, Action body)
    {
        try
        {
            HostAffinity.PinCurrentThread(hostCpu);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Fail($"cannot pin a thread to host CPU {hostCpu}: {e.Message}");
            return;
        }

        body();
    }

    /// <summary>Writes 2k+1 and waits for 2k+2; each run's fastest time per transfer is kept, the first run only warms up.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private void Serve()
    {
        var k = 0;
        for (var run = -1; run < _runs; run++)
        {
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < _roundTrips; i++, k++)
            {
                Volatile.Write(ref _line[Slot], (2 * k) + 1);
                if (!WaitFor((2 * k) + 2, start))
                {
                    return;
                }
            }

            if (run >= 0)
            {
                _bestNs = Math.Min(_bestNs, Stopwatch.GetElapsedTime(start).TotalNanoseconds / (2.0 * _roundTrips));
            }
        }
    }

    /// <summary>Waits for 2k+1 and writes 2k+2.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private void Respond()
    {
        var total = (_runs + 1) * _roundTrips;
        var start = Stopwatch.GetTimestamp();
        for (var k = 0; k < total; k++)
        {
            if (!WaitFor((2 * k) + 1, start + (k / _roundTrips * GiveUpTicks)))
            {
                return;
            }

            Volatile.Write(ref _line[Slot], (2 * k) + 2);
        }
    }

    /// <summary>Spins until the shared word reads <paramref name="value"/>; false on a failure or when the run overstays.</summary>
    private bool WaitFor(int value, long runStart)
    {
        var spins = 0;
        while (Volatile.Read(ref _line[Slot]) != value)
        {
            // The clock only every 64k spins: reading it would slow the loop being measured.
            if ((++spins & 0xFFFF) == 0 && (_failure is not null || Stopwatch.GetTimestamp() - runStart > GiveUpTicks))
            {
                Fail("the two pinned threads did not run at the same time (a busy host)");
                return false;
            }
        }

        return true;
    }

    private void Fail(string why) => _failure ??= why;
}
