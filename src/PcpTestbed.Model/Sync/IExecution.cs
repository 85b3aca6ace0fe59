namespace PcpTestbed.Model.Sync;

/// <summary>
/// The execution seam: everything the allocator model needs from the machine it runs on.
/// Real OS threads (with or without lock instrumentation) and the Coyote engine implement it as
/// structs, and the designs take it as a generic struct parameter, so a switched-off probe costs
/// nothing and the same allocator code runs on both.
/// </summary>
public interface IExecution
{
    /// <summary>spin_lock(): returns with the lock held by <paramref name="cpu"/>.</summary>
    void Lock(ref EmuSpinLock l, int cpu, LockSite site);

    /// <summary>spin_trylock(): takes the lock if it is free, never waits.</summary>
    bool TryLock(ref EmuSpinLock l, int cpu, LockSite site);

    /// <summary>spin_unlock().</summary>
    void Unlock(ref EmuSpinLock l, int cpu);

    /// <summary>
    /// Marks an access to state that other CPUs touch without a common lock (a READ_ONCE, a racy check).
    /// Under Coyote another CPU may run here; on OS threads it costs nothing.
    /// </summary>
    void Interleave();

    /// <summary>Interlocked.CompareExchange, a scheduling point under Coyote.</summary>
    int CompareExchange(ref int location, int value, int comparand);

    /// <summary>Interlocked.Exchange, a scheduling point under Coyote.</summary>
    int Exchange(ref int location, int value);

    /// <summary>
    /// An allocator entry point begins on <paramref name="cpu"/>. Only outermost entry points are reported: an entry
    /// point that calls another (the slow path's drain_all_pages()) reports the outer one alone. The execution may
    /// note what the CPU is doing (a stuck-CPU report, a flight recorder); it must not take locks or yield here.
    /// </summary>
    void OpBegin(int cpu, AllocatorOp op, long arg0, long arg1);

    /// <summary>The entry point <see cref="OpBegin"/> reported has returned normally with <paramref name="result"/>.</summary>
    void OpEnd(int cpu, long result);

    /// <summary>
    /// The calling CPU did <paramref name="units"/> of <paramref name="kind"/> work under the pcp->lock it holds (the
    /// PCP list helpers report each list_add()/list_del()). The virtual-time engine charges time for it; OS threads and
    /// Coyote do nothing, so the call inlines away. Work under zone->lock is counted in <see cref="Zone.Work"/> instead.
    /// </summary>
    void Work(WorkKind kind, int units);
}
