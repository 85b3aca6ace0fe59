using System.Runtime.InteropServices;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.LockStat;

/// <summary>
/// One CPU's lock_stat record: its counters and its hold-sampling state. Only that CPU writes it, and the
/// padding keeps it off the cache lines of its neighbours in the array, so recording shares nothing between
/// CPUs (the lock itself is the only shared line, as in the kernel's per-CPU lock_class_stats).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CpuLockStat // do not make readonly: the owning CPU updates its record in place
{
    private CacheLinePad _before;

    /// <summary>Acquisitions left until the next hold sample; reaching 0 samples that acquisition.</summary>
    public int HoldCountdown;

    /// <summary>xorshift64* state drawing the gaps between hold samples; never 0.</summary>
    public ulong Rng;

    public SiteCounterTable Sites;

    /// <summary>Failed trylocks by (class, failing site) and the site that held the lock.</summary>
    public TrylockHolderTable TrylockHolders;

    private CacheLinePad _after;
}
