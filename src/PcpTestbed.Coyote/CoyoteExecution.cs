using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote;

/// <summary>
/// The execution seam of a controlled iteration, under Coyote or under our own scheduler (the name is older than the
/// second controller, <see cref="IIterationController"/>): every lock, trylock, unlock, shared access and atomic of the
/// allocator is a scheduling point, so the controller chooses which emulated CPU runs next at each of them.
/// <list type="bullet">
/// <item>Lock: a scheduling point before each attempt; a CPU that finds the lock held is a waiter until it takes it
/// (trylocks fail meanwhile, as with qspinlock's pending bit). Under Coyote it yields a couple of times, then parks until
/// an unlock; under our scheduler it cannot run until the lock is free. A wait-for cycle, or a holder that has finished,
/// fails the iteration with "operation never completes: CPU n spins on LOCK held by CPU m at SITE".</item>
/// <item>TryLock: a scheduling point, then one attempt. Unlock: a point before the release (ours) and after it (Coyote's).</item>
/// <item>SharedRead, SharedWrite, CompareExchange and Exchange: a point before the access, naming the location and site
/// (<c>SchedulingPoint.Read</c>/<c>Write</c> under Coyote).</item>
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

    public void OpFolio(int cpu, long pfn, int order)
    {
    }

    public void Work(WorkKind kind, int units)
    {
    }
}
