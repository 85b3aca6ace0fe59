using System.Runtime.CompilerServices;
using PcpTestbed.Execution.Locking;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Virtual;

/// <summary>
/// Fault injection in virtual time: lengthens every hold of a lock class by charging the holder's virtual clock right
/// after the lock is acquired, as <see cref="HoldDelayProbe{TInner}"/> busy-waits on OS threads. Wraps another probe,
/// which sees the charged time as hold time. Untimed operations (outside a step) are not delayed.
/// </summary>
public readonly struct VirtualHoldDelayProbe<TInner> : ILockProbe
    where TInner : struct, ILockProbe
{
    private readonly TInner _inner;
    private readonly VirtualMachine _machine;

    public VirtualHoldDelayProbe(TInner inner, VirtualMachine machine, HoldDelays delays)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentOutOfRangeException.ThrowIfNegative(delays.ZoneNs);
        ArgumentOutOfRangeException.ThrowIfNegative(delays.PcpNs);
        _inner = inner;
        _machine = machine;
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
        var ns = Delays.For(l.Class);
        if (ns > 0 && _machine.CurrentCpu == cpu)
        {
            _machine.Charge(cpu, ns);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void TrylockFailed(ref EmuSpinLock l, int cpu, LockSite site) => _inner.TrylockFailed(ref l, cpu, site);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Releasing(ref EmuSpinLock l, int cpu) => _inner.Releasing(ref l, cpu);
}
