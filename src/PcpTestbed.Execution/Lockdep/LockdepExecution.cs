using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Lockdep;

/// <summary>
/// lockdep around another execution (the opt-in <c>--lockdep</c> mode of real-thread runs, and the tests): every
/// lock operation goes to <typeparamref name="TExec"/> as before, and lockdep tracks it on the side. Before a
/// spin_lock waits it checks the held locks (the same class held again is "possible recursive locking", a new
/// nesting of two classes that closes a cycle "possible circular locking dependency"), and every
/// <see cref="AssertHeld"/> checks that the current CPU holds that very lock. Reports go to a <see cref="LockdepState"/>.
/// Without this wrapper, OS threads check nothing and pay nothing.
/// </summary>
public struct LockdepExecution<TExec> : IExecution // do not make readonly: the inner execution is called in place
    where TExec : struct, IExecution
{
    private readonly LockdepState _state;
    private TExec _inner; // not readonly: calls on a struct field must not copy it

    public LockdepExecution(TExec inner, LockdepState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        _inner = inner;
        _state = state;
    }

    public readonly LockdepState State => _state;

    public readonly bool Lockdep => true;

    public void Lock(ref EmuSpinLock l, int cpu, LockSite site)
    {
        _state.BeforeLock(cpu, ref l, site);
        _inner.Lock(ref l, cpu, site);
        _state.Acquired(cpu, ref l, site);
    }

    public bool TryLock(ref EmuSpinLock l, int cpu, LockSite site)
    {
        // A trylock cannot wait, so it adds no nesting into the lock it takes (as in lockdep); it is an outer lock from now on.
        if (!_inner.TryLock(ref l, cpu, site))
        {
            return false;
        }

        _state.Acquired(cpu, ref l, site);
        return true;
    }

    public void Unlock(ref EmuSpinLock l, int cpu)
    {
        _state.Releasing(cpu, ref l);
        _inner.Unlock(ref l, cpu);
    }

    public void SharedRead(SharedLocation location, AccessSite site) => _inner.SharedRead(location, site);

    public void SharedWrite(SharedLocation location, AccessSite site) => _inner.SharedWrite(location, site);

    public int CompareExchange(ref int target, int value, int comparand, SharedLocation location, AccessSite site) =>
        _inner.CompareExchange(ref target, value, comparand, location, site);

    public int Exchange(ref int target, int value, SharedLocation location, AccessSite site) =>
        _inner.Exchange(ref target, value, location, site);

    public readonly void AssertHeld(ref EmuSpinLock l, string where) => _state.AssertHeld(ref l, where);

    public void OpBegin(int cpu, AllocatorOp op, long arg0, long arg1)
    {
        LockdepState.EnterCpu(cpu);
        _inner.OpBegin(cpu, op, arg0, arg1);
    }

    public void OpFolio(int cpu, long pfn, int order) => _inner.OpFolio(cpu, pfn, order);

    public void OpEnd(int cpu, long result)
    {
        _inner.OpEnd(cpu, result);
        _state.OpEnd(cpu);
        LockdepState.LeaveCpu();
    }

    public void Work(WorkKind kind, int units) => _inner.Work(kind, units);
}
