namespace PcpTestbed.Model.Sync;

/// <summary>
/// Runs the model on the calling thread with no concurrency: for single-threaded rule tests and tools.
/// A lock that is held when <see cref="Lock"/> is called can never be released, so it throws instead of
/// spinning forever. Tests force a trylock failure by seizing a lock on behalf of another CPU.
/// <see cref="AssertHeld"/> checks the CPU of the entry point the thread is in; outside any (a zone being built,
/// a test calling the zone under a seized lock) it checks only that somebody holds the lock.
/// </summary>
public readonly struct DirectExecution : IExecution
{
    [ThreadStatic]
    private static int t_cpuPlusOne;

    /// <summary>The CPU of the entry point the calling thread is in, or -1.</summary>
    public static int CurrentCpu => t_cpuPlusOne - 1;

    public bool Lockdep => true;

    public void Lock(ref EmuSpinLock l, int cpu, LockSite site)
    {
        if (l.State != 0)
        {
            throw new InvalidOperationException(
                $"deadlock: CPU {cpu} spins on {LockClasses.Name(l.Class)}#{l.Instance} held by CPU {l.HolderCpu} " +
                $"at {LockSites.KernelName(site)} in a single-threaded run");
        }

        Take(ref l, cpu, site);
    }

    public bool TryLock(ref EmuSpinLock l, int cpu, LockSite site)
    {
        if (l.State != 0)
        {
            return false;
        }

        Take(ref l, cpu, site);
        return true;
    }

    public void Unlock(ref EmuSpinLock l, int cpu)
    {
        if (l.State != cpu + 1)
        {
            throw new InvalidOperationException(
                $"CPU {cpu} releases {LockClasses.Name(l.Class)}#{l.Instance} held by CPU {l.HolderCpu}");
        }

        l.State = 0;
    }

    public void SharedRead(SharedLocation location, AccessSite site)
    {
    }

    public void SharedWrite(SharedLocation location, AccessSite site)
    {
    }

    public int CompareExchange(ref int target, int value, int comparand, SharedLocation location, AccessSite site)
    {
        var old = target;
        if (old == comparand)
        {
            target = value;
        }

        return old;
    }

    public int Exchange(ref int target, int value, SharedLocation location, AccessSite site)
    {
        var old = target;
        target = value;
        return old;
    }

    public void AssertHeld(ref EmuSpinLock l, string where)
    {
        var cpu = CurrentCpu;
        if (cpu >= 0 ? l.State == cpu + 1 : l.State != 0)
        {
            return;
        }

        throw new LockdepException(LockdepReports.NotHeld(l, cpu, where));
    }

    public void OpBegin(int cpu, AllocatorOp op, long arg0, long arg1) => t_cpuPlusOne = cpu + 1;

    public void Work(WorkKind kind, int units)
    {
    }

    public void OpEnd(int cpu, long result) => t_cpuPlusOne = 0;

    public void OpFolio(int cpu, long pfn, int order)
    {
    }

    /// <summary>
    /// Holds <paramref name="l"/> on behalf of <paramref name="cpu"/>, as a parallel drain would: the next trylock fails.
    /// For code outside any entry point (a test body, a zone being built): it also ends the entry point an exception
    /// may have left the calling thread in, so lockdep checks only that somebody holds the lock until the next one.
    /// </summary>
    public static void Seize(ref EmuSpinLock l, int cpu)
    {
        t_cpuPlusOne = 0;
        if (l.State != 0)
        {
            throw new InvalidOperationException($"{LockClasses.Name(l.Class)}#{l.Instance} is already held by CPU {l.HolderCpu}");
        }

        l.State = cpu + 1;
    }

    /// <summary>
    /// Holds <paramref name="l"/> on behalf of <paramref name="cpu"/> as if taken at <paramref name="site"/> (a parallel
    /// drain at drain_pages_zone, say): the next trylock fails, and lock_stat attributes the failure to that site.
    /// </summary>
    public static void SeizeAt(ref EmuSpinLock l, int cpu, LockSite site)
    {
        Seize(ref l, cpu);
        l.LastHolder = cpu + 1;
        l.HoldSite = site;
    }

    /// <summary>Releases a lock taken with <see cref="Seize"/> or <see cref="SeizeAt"/>.</summary>
    public static void Release(ref EmuSpinLock l) => l.State = 0;

    private static void Take(ref EmuSpinLock l, int cpu, LockSite site)
    {
        l.State = cpu + 1;
        l.LastHolder = cpu + 1;
        l.HoldSite = site;
    }
}
