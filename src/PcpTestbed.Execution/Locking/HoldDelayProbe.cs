using System.Diagnostics;
using System.Runtime.CompilerServices;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Locking;

/// <summary>
/// Fault injection: lengthens every hold of a lock class by busy-waiting right after the lock is acquired, to
/// ask "what if zone->lock were held longer" the way <c>perf lock contention</c>'s delay injection does.
/// Wraps another probe, which sees the injected time as hold time. Switched off by not using this type, so
/// runs without injection pay nothing; with it, a class whose delay is 0 costs one compare per acquisition.
/// </summary>
/// <remarks>
/// The wait spins on <see cref="Stopwatch.GetTimestamp"/>, so a delay is accurate to about one clock read
/// (tens of ns) and is never shorter than asked. A delay is a busy wait, not a sleep: the holder keeps its
/// host core, as a kernel CPU holding a spinlock would.
/// </remarks>
public readonly struct HoldDelayProbe<TInner> : ILockProbe
    where TInner : struct, ILockProbe
{
    private readonly TInner _inner;
    private readonly long _zoneTicks;
    private readonly long _pcpTicks;

    public HoldDelayProbe(TInner inner, HoldDelays delays)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(delays.ZoneNs);
        ArgumentOutOfRangeException.ThrowIfNegative(delays.PcpNs);
        _inner = inner;
        _zoneTicks = NsToTicks(delays.ZoneNs);
        _pcpTicks = NsToTicks(delays.PcpNs);
        Delays = delays;
    }

    public static bool Enabled => true;

    public TInner Inner => _inner;

    public HoldDelays Delays { get; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Contended(ref EmuSpinLock l, int cpu, LockSite site) => _inner.Contended(ref l, cpu, site);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Acquired(ref EmuSpinLock l, int cpu, LockSite site, long waitStart)
    {
        _inner.Acquired(ref l, cpu, site, waitStart);
        var ticks = l.Class == LockClass.Zone ? _zoneTicks : _pcpTicks;
        if (ticks > 0)
        {
            BusyWait(ticks);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void TrylockFailed(ref EmuSpinLock l, int cpu, LockSite site) => _inner.TrylockFailed(ref l, cpu, site);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Releasing(ref EmuSpinLock l, int cpu) => _inner.Releasing(ref l, cpu);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void BusyWait(long ticks)
    {
        // Bounded by the clock: the loop ends once the deadline has passed.
        var until = Stopwatch.GetTimestamp() + ticks;
        while (Stopwatch.GetTimestamp() < until)
        {
        }
    }

    private static long NsToTicks(long ns) => (long)Math.Ceiling(ns * (Stopwatch.Frequency / 1e9));
}
