using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Locking;

/// <summary>
/// The hooks <see cref="OsExecution{TProbe}"/> calls around every spin lock operation, named for the lockdep
/// hooks lock_stat builds on (<c>lock_contended</c>, <c>lock_acquired</c>, <c>lock_release</c>).
/// Implementations are structs so the JIT specializes the execution per probe and inlines the hooks:
/// with <see cref="NoLockProbe"/> every hook compiles to nothing.
/// </summary>
/// <remarks>
/// Every hook runs on the CPU thread that operates on the lock. A hook may write the holder-only fields of
/// <see cref="EmuSpinLock"/> (<see cref="EmuSpinLock.HoldStart"/>) only while the lock is held by
/// <c>cpu</c>: in <see cref="Acquired"/> and <see cref="Releasing"/>.
/// </remarks>
public interface ILockProbe
{
    /// <summary>
    /// Whether the probe does any work. False lets callers skip building what only a probe would read
    /// (reports, per-CPU storage). Implementations return a constant so the JIT folds the test away.
    /// </summary>
    static abstract bool Enabled { get; }

    /// <summary>
    /// lock_contended(): the lock fast path of spin_lock() failed and <paramref name="cpu"/> is about to wait.
    /// The lock is held by another CPU (racy: it may already be free again).
    /// </summary>
    /// <returns>The wait start timestamp to hand back to <see cref="Acquired"/>, or 0 when wait time is not measured.</returns>
    long Contended(ref EmuSpinLock l, int cpu, LockSite site);

    /// <summary>
    /// lock_acquired(): <paramref name="cpu"/> now holds the lock. Called after the execution set
    /// <see cref="EmuSpinLock.HoldSite"/> to this hold's site and before it updates <see cref="EmuSpinLock.LastHolder"/>,
    /// so the probe still sees the previous holder.
    /// </summary>
    /// <param name="waitStart">The value <see cref="Contended"/> returned for this acquisition, or 0 when the fast path won.</param>
    void Acquired(ref EmuSpinLock l, int cpu, LockSite site, long waitStart);

    /// <summary>spin_trylock() found the lock held (or lost the race for it) and returned false.</summary>
    void TrylockFailed(ref EmuSpinLock l, int cpu, LockSite site);

    /// <summary>lock_release(): called while <paramref name="cpu"/> still holds the lock, right before it is released.</summary>
    void Releasing(ref EmuSpinLock l, int cpu);

    /// <summary>Whether <see cref="Interrupt"/> does anything: a constant, so the JIT drops the call for every other probe.</summary>
    static virtual bool Interrupts => false;

    /// <summary>
    /// A scheduling point of the CPU thread calling (a shared access, a lock attempt): where a kernel CPU could take an
    /// interrupt. <paramref name="point"/> is the point's site in <see cref="PointSites"/>' numbering. Called only when
    /// <see cref="Interrupts"/>.
    /// </summary>
    void Interrupt(int point)
    {
    }
}
