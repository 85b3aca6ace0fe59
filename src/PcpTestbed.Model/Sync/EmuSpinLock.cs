using System.Runtime.InteropServices;

namespace PcpTestbed.Model.Sync;

/// <summary>
/// The state of an emulated spinlock (zone->lock or pcp->lock). How a lock is taken, waited for and
/// measured belongs to the <see cref="IExecution"/> that operates on it: real spinning on OS threads,
/// scheduling points under Coyote.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct EmuSpinLock // do not make readonly: State is a CAS target
{
    /// <summary>0 when free, else the holder's CPU + 1. A successful CAS from 0 reserves the lock for the caller.</summary>
    public int State;

    /// <summary>CPU + 1 of the most recent holder. Written by the holder only; read by the next holder to count bounces.</summary>
    public int LastHolder;

    /// <summary>Probe timestamp taken when the current hold was sampled for hold time; 0 when not sampled. Holder only.</summary>
    public long HoldStart;

    /// <summary>The call site of the current hold. Holder only.</summary>
    public LockSite HoldSite;

    public LockClass Class;

    /// <summary>The lock instance: the CPU for pcp->lock, 0 for zone->lock.</summary>
    public int Instance;

    /// <summary>
    /// CPUs spinning in spin_lock()'s slow path for this lock (OS threads). While it is not 0, spin_trylock() fails even
    /// when <see cref="State"/> is 0, as qspinlock's pending bit and MCS tail keep the lock word non-zero: a trylock
    /// never overtakes a waiter. Changed only with Interlocked, by the waiters.
    /// </summary>
    public int Waiters;

    public EmuSpinLock(LockClass lockClass, int instance)
    {
        Class = lockClass;
        Instance = instance;
    }

    /// <summary>The holder's CPU, or -1. A racy read unless the caller holds the lock.</summary>
    public readonly int HolderCpu => State - 1;

    public readonly bool IsHeld => State != 0;

    public readonly bool IsHeldBy(int cpu) => State == cpu + 1;
}

/// <summary>A zone->lock on cache lines of its own (ZONE_PADDING in struct zone).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct PaddedSpinLock // do not make readonly: the lock inside is a CAS target
{
    private CacheLinePad _before;
    public EmuSpinLock Value;
    private CacheLinePad _after;
}
