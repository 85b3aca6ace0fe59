using PcpTestbed.Execution.Locking;
using PcpTestbed.Execution.LockStat;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Tests;

/// <summary>lock_stat plus a signal when a CPU starts waiting, so a test can hold a lock exactly until someone waits for it.</summary>
internal readonly struct SignalingProbe(LockStatProbe inner, ManualResetEventSlim contended) : ILockProbe
{
    public static bool Enabled => true;

    public long Contended(ref EmuSpinLock l, int cpu, LockSite site)
    {
        var start = inner.Contended(ref l, cpu, site);
        contended.Set();
        return start;
    }

    public void Acquired(ref EmuSpinLock l, int cpu, LockSite site, long waitStart) => inner.Acquired(ref l, cpu, site, waitStart);

    public void TrylockFailed(ref EmuSpinLock l, int cpu, LockSite site) => inner.TrylockFailed(ref l, cpu, site);

    public void Releasing(ref EmuSpinLock l, int cpu) => inner.Releasing(ref l, cpu);
}
