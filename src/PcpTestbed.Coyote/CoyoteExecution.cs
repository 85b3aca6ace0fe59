using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote;

/// <summary>
/// The execution seam under Coyote: every lock, trylock, unlock, racy access and atomic of the allocator
/// becomes a Coyote scheduling point, so the engine chooses which emulated CPU runs next at each of them.
/// <list type="bullet">
/// <item>Lock: a scheduling point before each CAS attempt; while the lock is seen held, a couple of Yields,
/// then the waiter parks until an unlock (a spinning waiter would starve the holder under PCT); a wait-for
/// cycle, a holder that has finished, or a spin budget spent fails the iteration with
/// "operation never completes: CPU n spins on LOCK held by CPU m at SITE".</item>
/// <item>TryLock: a scheduling point, then one attempt. Unlock: release, then a scheduling point.</item>
/// <item>Interleave, CompareExchange, Exchange: a scheduling point before the access.</item>
/// </list>
/// Each step is recorded (CPU, operation, lock and call site) for the trace file of a failing iteration.
/// </summary>
public readonly struct CoyoteExecution : IExecution
{
    private readonly IterationState _state;

    internal CoyoteExecution(IterationState state)
    {
        _state = state;
    }

    public void Lock(ref EmuSpinLock l, int cpu, LockSite site) => _state.Lock(ref l, cpu, site);

    public bool TryLock(ref EmuSpinLock l, int cpu, LockSite site) => _state.TryLock(ref l, cpu, site);

    public void Unlock(ref EmuSpinLock l, int cpu) => _state.Unlock(ref l, cpu);

    public void Interleave() => _state.Interleave();

    public int CompareExchange(ref int location, int value, int comparand) => _state.CompareExchange(ref location, value, comparand);

    public int Exchange(ref int location, int value) => _state.Exchange(ref location, value);

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
