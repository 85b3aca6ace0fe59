using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Virtual;

/// <summary>A lock the running CPU holds: enough to record the hold when it is released.</summary>
internal readonly record struct VirtualHold(LockClass Class, int Instance, long RequestPs, long BusyPs, long AcquiredPs, LockSite Site);
