namespace PcpTestbed.Execution.Cpus;

/// <summary>
/// What a stuck-CPU report makes of a CPU that missed its quiescent point, most serious first. The first three are
/// failures of the design under test; the last two are faults of the testbed (or the host).
/// </summary>
public enum HangKind
{
    /// <summary>A wait-for cycle: each CPU spins on a lock the next one holds.</summary>
    Deadlock,

    /// <summary>
    /// A lock is held by a CPU that is in no allocator call: it died, returned from its call holding the lock, or
    /// parked with it. The lock can never be released.
    /// </summary>
    LockHolderGone,

    /// <summary>A CPU stayed inside one allocator call for the whole wait without spinning on a lock: a livelock or an endless loop.</summary>
    StuckInOperation,

    /// <summary>
    /// The CPUs waited for kept completing allocator calls, so the lock changed hands, but never to the stuck CPU:
    /// the emulated lock starved it.
    /// </summary>
    Starvation,

    /// <summary>The CPU is in no allocator call and holds no lock: its workload step, posted work or the host kept it from a quiescent point.</summary>
    OutsideAllocator,
}
