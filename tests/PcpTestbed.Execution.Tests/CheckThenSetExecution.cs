using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Tests;

/// <summary>
/// A deliberately broken spin lock for the canary: it checks that the lock is free, then takes it with a plain
/// store, so two CPUs that pass the check together both enter. Everything else is <see cref="Locking.OsExecution{TProbe}"/>'s.
/// </summary>
internal readonly struct CheckThenSetExecution : IExecution
{
    public void Lock(ref EmuSpinLock l, int cpu, LockSite site)
    {
        var spins = 0;
        while (Volatile.Read(ref l.State) != 0)
        {
            if (++spins % 128 == 0)
            {
                Thread.Yield();
            }
            else
            {
                Thread.SpinWait(1);
            }
        }

        // The bug: no CAS between the check and the set. The pause widens the window so a loaded host, which
        // rarely runs two CPU threads at the same instant, still shows the race within a few rounds.
        Thread.SpinWait(1);
        l.State = cpu + 1;
    }

    public bool TryLock(ref EmuSpinLock l, int cpu, LockSite site)
    {
        if (Volatile.Read(ref l.State) != 0)
        {
            return false;
        }

        l.State = cpu + 1;
        return true;
    }

    public void Unlock(ref EmuSpinLock l, int cpu) => Volatile.Write(ref l.State, 0);

    public bool Lockdep => false;

    public void SharedRead(SharedLocation location, AccessSite site)
    {
    }

    public void SharedWrite(SharedLocation location, AccessSite site)
    {
    }

    public int CompareExchange(ref int target, int value, int comparand, SharedLocation location, AccessSite site) =>
        Interlocked.CompareExchange(ref target, value, comparand);

    public int Exchange(ref int target, int value, SharedLocation location, AccessSite site) => Interlocked.Exchange(ref target, value);

    public void AssertHeld(ref EmuSpinLock l, string where)
    {
    }

    public void OpBegin(int cpu, AllocatorOp op, long arg0, long arg1)
    {
    }

    public void OpFolio(int cpu, long pfn, int order)
    {
    }

    public void OpEnd(int cpu, long result)
    {
    }

    public void Work(WorkKind kind, int units)
    {
    }
}
