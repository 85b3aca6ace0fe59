using PcpTestbed.Execution.Locking;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Virtual;

/// <summary>
/// The execution seam on the virtual-time engine: every operation is timed and ordered by <see cref="VirtualMachine"/>
/// (see its remarks), and <typeparamref name="TProbe"/> sees every lock operation with virtual timestamps, as it does on
/// OS threads (<see cref="LockStat.LockStatProbe"/> over a recorder built with the machine as its clock).
/// Atomics are plain reads and writes: one host thread runs every CPU.
/// </summary>
public readonly struct VirtualExecution<TProbe> : IExecution
    where TProbe : struct, ILockProbe
{
    private readonly VirtualMachine _machine;
    private readonly TProbe _probe;

    public VirtualExecution(VirtualMachine machine, TProbe probe)
    {
        ArgumentNullException.ThrowIfNull(machine);
        _machine = machine;
        _probe = probe;
    }

    public VirtualMachine Machine => _machine;

    public TProbe Probe => _probe;

    public void Lock(ref EmuSpinLock l, int cpu, LockSite site) => _machine.Lock(ref l, cpu, site, _probe);

    public bool TryLock(ref EmuSpinLock l, int cpu, LockSite site) => _machine.TryLock(ref l, cpu, site, _probe);

    public void Unlock(ref EmuSpinLock l, int cpu) => _machine.Unlock(ref l, cpu, _probe);

    /// <summary>Racy reads and writes cost nothing: steps are atomic, so no other CPU can run here.</summary>
    public void SharedRead(SharedLocation location, AccessSite site)
    {
    }

    public void SharedWrite(SharedLocation location, AccessSite site)
    {
    }

    public int CompareExchange(ref int target, int value, int comparand, SharedLocation location, AccessSite site)
    {
        _machine.Atomic();
        var old = target;
        if (old == comparand)
        {
            target = value;
        }

        return old;
    }

    public int Exchange(ref int target, int value, SharedLocation location, AccessSite site)
    {
        _machine.Atomic();
        var old = target;
        target = value;
        return old;
    }

    /// <summary>The engine checks lock discipline in its own terms (a step releases its locks); lockdep is the OS threads' and Coyote's.</summary>
    public bool Lockdep => false;

    public void AssertHeld(ref EmuSpinLock l, string where)
    {
    }

    public void OpBegin(int cpu, AllocatorOp op, long arg0, long arg1) => _machine.OpBegin(cpu, op, arg0);

    public void OpEnd(int cpu, long result)
    {
    }

    public void OpFolio(int cpu, long pfn, int order) => _machine.OpFolio(cpu);

    public void Work(WorkKind kind, int units) => _machine.Work(kind, units);
}
