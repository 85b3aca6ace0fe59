using System.Runtime.CompilerServices;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.LockStat;

/// <summary>
/// The lock_stat probe: forwards every hook to a <see cref="LockStatRecorder"/>, which keeps per-CPU,
/// per-class, per-site statistics. See <see cref="LockStatRecorder"/> for what is measured and what it costs.
/// </summary>
public readonly struct LockStatProbe : Locking.ILockProbe
{
    private readonly LockStatRecorder _recorder;

    public LockStatProbe(LockStatRecorder recorder)
    {
        ArgumentNullException.ThrowIfNull(recorder);
        _recorder = recorder;
    }

    public static bool Enabled => true;

    /// <summary>No interrupts: stated here rather than left to the interface's default, so the JIT folds the hooks away.</summary>
    public static bool Interrupts => false;

    public void Interrupt(int point)
    {
    }

    public LockStatRecorder Recorder => _recorder;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Contended(ref EmuSpinLock l, int cpu, LockSite site) => _recorder.Contended(ref l, cpu, site);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Acquired(ref EmuSpinLock l, int cpu, LockSite site, long waitStart) =>
        _recorder.Acquired(ref l, cpu, site, waitStart);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void TrylockFailed(ref EmuSpinLock l, int cpu, LockSite site) => _recorder.TrylockFailed(ref l, cpu, site);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Releasing(ref EmuSpinLock l, int cpu) => _recorder.Releasing(ref l, cpu);
}
