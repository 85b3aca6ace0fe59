using System.Globalization;

namespace PcpTestbed.Model.Sync;

/// <summary>
/// The texts of lockdep's reports, shared by every engine so a failure reads the same on OS threads, under Coyote
/// and in single-threaded tests. Each names the lock (class and instance), the site and the CPU.
/// </summary>
public static class LockdepReports
{
    /// <summary>lockdep_assert_held() failed: <paramref name="cpu"/> (-1: no CPU is known) does not hold <paramref name="l"/>.</summary>
    public static string NotHeld(in EmuSpinLock l, int cpu, string where)
    {
        var who = cpu >= 0 ? $"CPU {N(cpu)}" : "the caller";
        var holder = l.State == 0
            ? "nobody holds it"
            : $"CPU {N(l.HolderCpu)} holds it (taken at {LockSites.KernelName(l.HoldSite)})";
        return $"lockdep_assert_held(&{ClassName(l.Class)}) failed in {where}: {who} does not hold {LockClasses.InstanceName(l.Class, l.Instance)}; {holder}";
    }

    /// <summary>
    /// lockdep's "possible recursive locking detected": <paramref name="cpu"/> spins on a lock of a class it already
    /// holds. Two pcp->lock instances at once would need spin_lock_nested() and an order between the CPUs' locks;
    /// no design takes a second one with spin_lock (a trylock cannot deadlock and is allowed, as in lockdep).
    /// </summary>
    public static string Recursive(int cpu, HeldLock held, LockClass c, int instance, LockSite site) =>
        $"possible recursive locking detected: CPU {N(cpu)} takes {LockClasses.InstanceName(c, instance)} at {LockSites.KernelName(site)} " +
        $"while holding {held.Name} taken at {LockSites.KernelName(held.Site)} (same class, no nesting annotation)";

    /// <summary>lockdep's "possible circular locking dependency detected": the new nesting closes a cycle of earlier ones.</summary>
    public static string Circular(int cpu, HeldLock outer, LockClass inner, int innerInstance, LockSite innerSite, IReadOnlyList<LockOrderEdge> path) =>
        $"possible circular locking dependency detected: CPU {N(cpu)} takes {LockClasses.InstanceName(inner, innerInstance)} at " +
        $"{LockSites.KernelName(innerSite)} while holding {outer.Name} taken at {LockSites.KernelName(outer.Site)}, but the reverse order " +
        $"was seen before: {string.Join("; ", path.Select(Describe))}";

    /// <summary>An entry point returned, or a script ended, with a lock held.</summary>
    public static string HeldAtReturn(int cpu, HeldLock held, string where) =>
        $"CPU {N(cpu)} returned from {where} still holding {held.Name} taken at {LockSites.KernelName(held.Site)}";

    public static string Describe(LockOrderEdge e) =>
        $"CPU {N(e.Cpu)} took {e.Inner} at {e.InnerSite} while holding {e.Outer} taken at {e.OuterSite}";

    private static string ClassName(LockClass c) => c == LockClass.Zone ? "zone->lock" : "pcp->lock";

    private static string N(int value) => value.ToString(CultureInfo.InvariantCulture);
}
