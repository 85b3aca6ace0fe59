using System.Diagnostics;

namespace PcpTestbed.Execution.Clocks;

/// <summary>The host's monotonic clock (<see cref="Stopwatch"/>), from the moment this object was made.</summary>
public sealed class HostEngineClock : IEngineClock
{
    private readonly long _startTicks = Stopwatch.GetTimestamp();

    public bool IsVirtual => false;

    public long ElapsedNs => (long)Stopwatch.GetElapsedTime(_startTicks).TotalNanoseconds;

    public long NowNs(int cpu) => ElapsedNs;
}
