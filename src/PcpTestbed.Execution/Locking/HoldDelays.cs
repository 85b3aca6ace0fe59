using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Locking;

/// <summary>
/// Injected hold time per lock class, in ns (0 leaves the class alone), and injected interrupts: a busy-wait of
/// <paramref name="IrqNs"/> at <paramref name="IrqPercent"/> % of a CPU's scheduling points (every shared access outside a
/// lock's protection and every lock attempt), except while it holds zone->lock, which the kernel takes with interrupts off;
/// with <paramref name="IrqSites"/>, only at the points of those sites.
/// </summary>
public readonly record struct HoldDelays(long ZoneNs, long PcpNs, long IrqNs = 0, int IrqPercent = 0, InterruptSites? IrqSites = null)
{
    public long For(LockClass c) => c == LockClass.Zone ? ZoneNs : PcpNs;
}
