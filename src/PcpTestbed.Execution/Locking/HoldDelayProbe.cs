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
    private readonly long _irqTicks;

    /// <summary>An interrupt lands at a point when the thread's next random number is below this (of 2^32).</summary>
    private readonly ulong _irqThreshold;

    /// <summary>The sites interrupts are limited to, or null for every point.</summary>
    private readonly InterruptSites? _irqSites;

    /// <summary>The calling CPU thread's random state for interrupts (xorshift64; 0 until its first point).</summary>
    [ThreadStatic]
    private static ulong t_irqRandom;

    /// <summary>How many zone->lock holds the calling CPU thread is inside: interrupts are off there (spin_lock_irqsave).</summary>
    [ThreadStatic]
    private static int t_irqsOff;

    public HoldDelayProbe(TInner inner, HoldDelays delays)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(delays.ZoneNs);
        ArgumentOutOfRangeException.ThrowIfNegative(delays.PcpNs);
        ArgumentOutOfRangeException.ThrowIfNegative(delays.IrqNs);
        ArgumentOutOfRangeException.ThrowIfNegative(delays.IrqPercent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(delays.IrqPercent, 100);
        _inner = inner;
        _zoneTicks = NsToTicks(delays.ZoneNs);
        _pcpTicks = NsToTicks(delays.PcpNs);
        _irqTicks = NsToTicks(delays.IrqNs);
        _irqThreshold = (ulong)delays.IrqPercent * (1UL << 32) / 100;
        _irqSites = delays.IrqSites;
        Delays = delays;
    }

    public static bool Enabled => true;

    public static bool Interrupts => true;

    public TInner Inner => _inner;

    public HoldDelays Delays { get; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Contended(ref EmuSpinLock l, int cpu, LockSite site) => _inner.Contended(ref l, cpu, site);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Acquired(ref EmuSpinLock l, int cpu, LockSite site, long waitStart)
    {
        _inner.Acquired(ref l, cpu, site, waitStart);
        if (l.Class == LockClass.Zone)
        {
            t_irqsOff++;
        }

        var ticks = l.Class == LockClass.Zone ? _zoneTicks : _pcpTicks;
        if (ticks > 0)
        {
            BusyWait(ticks);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void TrylockFailed(ref EmuSpinLock l, int cpu, LockSite site) => _inner.TrylockFailed(ref l, cpu, site);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Releasing(ref EmuSpinLock l, int cpu)
    {
        if (l.Class == LockClass.Zone)
        {
            t_irqsOff--;
        }

        _inner.Releasing(ref l, cpu);
    }

    /// <summary>
    /// An interrupt at this point, at the configured share of points: a busy-wait as long as its handler, on the CPU's own
    /// thread (the kernel CPU is not preempted by it, and does not run the allocator meanwhile). None under zone->lock,
    /// and none outside the sites named, if any.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Interrupt(int point)
    {
        if (Lands(point))
        {
            BusyWait(_irqTicks);
        }
    }

    /// <summary>Whether an interrupt lands at this point of the calling CPU thread: the decision of <see cref="Interrupt"/>, without the wait.</summary>
    internal bool Lands(int point)
    {
        if (_irqTicks == 0 || t_irqsOff != 0 || (_irqSites != null && !_irqSites.Includes(point)))
        {
            return false;
        }

        var x = t_irqRandom;
        if (x == 0)
        {
            x = (ulong)Environment.CurrentManagedThreadId * 0x9E37_79B9_7F4A_7C15UL;
        }

        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        t_irqRandom = x;
        return (x >> 32) < _irqThreshold;
    }

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
