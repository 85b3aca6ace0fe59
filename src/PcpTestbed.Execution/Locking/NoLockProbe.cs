using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Locking;

/// <summary>The switched-off probe: every hook is empty, so <see cref="OsExecution{TProbe}"/> is a bare spin lock.</summary>
public readonly struct NoLockProbe : ILockProbe
{
    public static bool Enabled => false;

    /// <summary>No interrupts: stated here rather than left to the interface's default, so the JIT folds the hooks away.</summary>
    public static bool Interrupts => false;

    public void Interrupt(int point)
    {
    }

    public long Contended(ref EmuSpinLock l, int cpu, LockSite site) => 0;

    public void Acquired(ref EmuSpinLock l, int cpu, LockSite site, long waitStart)
    {
    }

    public void TrylockFailed(ref EmuSpinLock l, int cpu, LockSite site)
    {
    }

    public void Releasing(ref EmuSpinLock l, int cpu)
    {
    }
}
