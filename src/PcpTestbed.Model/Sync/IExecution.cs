namespace PcpTestbed.Model.Sync;

/// <summary>
/// The execution seam: everything the allocator model needs from the machine it runs on.
/// Real OS threads (with or without lock instrumentation) and the Coyote engine implement it as
/// structs, and the designs take it as a generic struct parameter, so a switched-off probe costs
/// nothing and the same allocator code runs on both.
/// </summary>
/// <remarks>
/// <para>
/// <b>Scheduling points.</b> Every access to state shared between CPUs made outside the lock that guards it, and every
/// change of guarded data inside a critical section (one per list operation or counter update, so that a section entered
/// without its lock interleaves with one that holds it), goes through <see cref="SharedRead"/>, <see cref="SharedWrite"/>,
/// <see cref="CompareExchange"/> or <see cref="Exchange"/> (or <see cref="SharedAccess"/>, which pairs the point with
/// the access), naming what it touches (a <see cref="SharedLocation"/>) and where (an <see cref="AccessSite"/>). Under Coyote each is
/// a scheduling point before the access (<c>SchedulingPoint.Read/Write</c> with the location as state, so a reduction
/// can tell points on different objects apart: two points conflict only on the same location with a write); on OS
/// threads the reads and writes are empty and inline to nothing.
/// </para>
/// <para>
/// <b>Ownership.</b> <see cref="AssertHeld"/> is lockdep_assert_held(): the CPU running the caller holds that very
/// lock. The execution knows the current CPU: it is told at <see cref="OpBegin"/>. Engines whose
/// <see cref="Lockdep"/> is false (plain OS threads) do not check, and the model skips work done only for the check.
/// </para>
/// </remarks>
public interface IExecution
{
    /// <summary>spin_lock(): returns with the lock held by <paramref name="cpu"/>.</summary>
    void Lock(ref EmuSpinLock l, int cpu, LockSite site);

    /// <summary>spin_trylock(): takes the lock if it is free, never waits.</summary>
    bool TryLock(ref EmuSpinLock l, int cpu, LockSite site);

    /// <summary>spin_unlock().</summary>
    void Unlock(ref EmuSpinLock l, int cpu);

    /// <summary>
    /// The calling CPU is about to read <paramref name="location"/> without the lock that guards its writers (a
    /// READ_ONCE, a racy check). A scheduling point under Coyote; nothing on OS threads.
    /// </summary>
    void SharedRead(SharedLocation location, AccessSite site);

    /// <summary>
    /// The calling CPU is about to write <paramref name="location"/> (or read-modify-write it) where other CPUs read or
    /// write it without a common lock (a WRITE_ONCE, a publication, a racy update). A scheduling point under Coyote.
    /// </summary>
    void SharedWrite(SharedLocation location, AccessSite site);

    /// <summary>Interlocked.CompareExchange on <paramref name="target"/>, which is <paramref name="location"/>; a scheduling point under Coyote.</summary>
    int CompareExchange(ref int target, int value, int comparand, SharedLocation location, AccessSite site);

    /// <summary>Interlocked.Exchange on <paramref name="target"/>, which is <paramref name="location"/>; a scheduling point under Coyote.</summary>
    int Exchange(ref int target, int value, SharedLocation location, AccessSite site);

    /// <summary>
    /// lockdep_assert_held(): the current CPU holds <paramref name="l"/>. <paramref name="where"/> names the guarded
    /// access (the caller, by default). A failure is a <see cref="LockdepException"/> (or a lockdep report of the run).
    /// </summary>
    void AssertHeld(ref EmuSpinLock l, string where);

    /// <summary>Whether this execution checks <see cref="AssertHeld"/> and lock order. A constant per implementation.</summary>
    bool Lockdep { get; }

    /// <summary>
    /// An allocator entry point begins on <paramref name="cpu"/>. Only outermost entry points are reported: an entry
    /// point that calls another (the slow path's drain_all_pages()) reports the outer one alone. The execution may
    /// note what the CPU is doing (the current CPU for lockdep, a stuck-CPU report, a flight recorder); it must not
    /// take locks or yield here.
    /// </summary>
    void OpBegin(int cpu, AllocatorOp op, long arg0, long arg1);

    /// <summary>
    /// One folio of the batched free <see cref="OpBegin"/> just reported (<see cref="AllocatorOp.FreeBatch"/>), in batch order,
    /// or a page that direct reclaim freed inside the allocation it reported (<see cref="AllocatorOp.Alloc"/>), in the order
    /// freed: a flight recorder keeps them; nothing else needs them.
    /// </summary>
    void OpFolio(int cpu, long pfn, int order);

    /// <summary>The entry point <see cref="OpBegin"/> reported has returned normally with <paramref name="result"/>.</summary>
    void OpEnd(int cpu, long result);

    /// <summary>
    /// The calling CPU did <paramref name="units"/> of <paramref name="kind"/> work under the pcp->lock it holds (the
    /// PCP list helpers report each list_add()/list_del()). The virtual-time engine charges time for it; OS threads and
    /// Coyote do nothing, so the call inlines away. Work under zone->lock is counted in <see cref="Zone.Work"/> instead.
    /// </summary>
    void Work(WorkKind kind, int units);
}
