using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote;

/// <summary>
/// The execution seam under Coyote: every lock, trylock, unlock, shared access and atomic of the allocator
/// becomes a Coyote scheduling point, so the engine chooses which emulated CPU runs next at each of them.
/// <list type="bullet">
/// <item>Lock: a scheduling point before each CAS attempt; while the lock is seen held, a couple of Yields,
/// then the waiter parks until an unlock (a spinning waiter would starve the holder under PCT); a wait-for
/// cycle, a holder that has finished, or a spin budget spent fails the iteration with
/// "operation never completes: CPU n spins on LOCK held by CPU m at SITE".</item>
/// <item>TryLock: a scheduling point, then one attempt. Unlock: release, then a scheduling point.</item>
/// <item>SharedRead: <c>SchedulingPoint.Read</c> with the location's name; SharedWrite, CompareExchange and Exchange:
/// <c>SchedulingPoint.Write</c>; each before the access.</item>
/// <item>Lockdep always: AssertHeld checks the current CPU, and lock order is checked at every spin_lock.</item>
/// </list>
/// Each step is recorded (CPU, operation, lock or location, and site) for the trace file of a failing iteration
/// and for coverage.
/// </summary>
public readonly struct CoyoteExecution : IExecution
{
    private readonly IterationState _state;

    internal CoyoteExecution(IterationState state)
    {
        _state = state;
    }

    public bool Lockdep => true;

    public void Lock(ref EmuSpinLock l, int cpu, LockSite site) => _state.Lock(ref l, cpu, site);

    public bool TryLock(ref EmuSpinLock l, int cpu, LockSite site) => _state.TryLock(ref l, cpu, site);

    public void Unlock(ref EmuSpinLock l, int cpu) => _state.Unlock(ref l, cpu);

    public void SharedRead(SharedLocation location, AccessSite site) => _state.SharedRead(location, site);

    public void SharedWrite(SharedLocation location, AccessSite site) => _state.SharedWrite(location, site);

    public int CompareExchange(ref int target, int value, int comparand, SharedLocation location, AccessSite site) =>
        _state.CompareExchange(ref target, value, comparand, location, site);

    public int Exchange(ref int target, int value, SharedLocation location, AccessSite site) => _state.Exchange(ref target, value, location, site);

    public void AssertHeld(ref EmuSpinLock l, string where) => _state.AssertHeld(ref l, where);

    public void OpBegin(int cpu, AllocatorOp op, long arg0, long arg1)
    {
    }

    public void OpEnd(int cpu, long result)
    {
    }

    public void Work(WorkKind kind, int units)
    {
    }
}
