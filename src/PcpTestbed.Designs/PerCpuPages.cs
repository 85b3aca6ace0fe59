using System.Runtime.InteropServices;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs;

/// <summary>
/// struct per_cpu_pages: one CPU's page cache for the zone, on cache lines of its own.
/// Mutable fields are guarded by <see cref="Lock"/> unless their comment says otherwise.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct PerCpuPages // do not make readonly: updated in place in the per-CPU array
{
    private CacheLinePad _before;

    /// <summary>pcp->lock: taken with trylock by its own CPU, with spin_lock by drains.</summary>
    public EmuSpinLock Lock;

    /// <summary>Pages on the lists (Σ 2^order).</summary>
    public int Count;

    /// <summary>The current high: auto-tuned between <see cref="HighMin"/> and <see cref="HighMax"/>.</summary>
    public int High;

    /// <summary>Written by zone_pcp_update() (CPU hotplug); read with READ_ONCE.</summary>
    public int HighMin;

    /// <summary>Written by zone_pcp_update(); read with READ_ONCE.</summary>
    public int HighMax;

    /// <summary>Written by zone_pcp_update(); read with READ_ONCE.</summary>
    public int Batch;

    public PcpFlags Flags;

    /// <summary>Doubles the order-0 refill batch with each allocation streak, up to PCP_BATCH_SCALE_MAX.</summary>
    public byte AllocFactor;

    /// <summary>Consecutive freed pages, which grow the bulk free.</summary>
    public short FreeCount;

    public PcpListHeads Lists;

    /// <summary>
    /// Pageblock lock-free variant: the head of the remote-free stack (pfn index + 1, 0 empty,
    /// <see cref="RemoteListClosed"/> when the CPU is dead). Pushed with CAS by any CPU; taken whole by
    /// whoever holds <see cref="Lock"/>.
    /// </summary>
    public int RemoteFreeHead;

    private CacheLinePad _after;

    public const int RemoteListClosed = -1;
}
