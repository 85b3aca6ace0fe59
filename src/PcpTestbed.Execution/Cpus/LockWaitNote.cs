using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Cpus;

/// <summary>
/// A CPU spins on the lock <paramref name="Class"/>#<paramref name="Instance"/>, called from <paramref name="Site"/>,
/// since the Stopwatch timestamp <paramref name="StartTicks"/>, and has seen the lock word change
/// <paramref name="Handovers"/> times meanwhile.
/// </summary>
public readonly record struct LockWaitNote(LockClass Class, int Instance, LockSite Site, long StartTicks, int Handovers);
