using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Locking;

/// <summary>Injected hold time per lock class, in ns; 0 leaves the class alone.</summary>
public readonly record struct HoldDelays(long ZoneNs, long PcpNs)
{
    public long For(LockClass c) => c == LockClass.Zone ? ZoneNs : PcpNs;
}
