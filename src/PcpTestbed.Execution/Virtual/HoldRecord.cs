using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Virtual;

/// <summary>
/// One hold of a lock in virtual time, in ps. The lock is busy over [<see cref="BusyPs"/>, <see cref="ReleasePs"/>):
/// from the acquisition, or for a contended acquisition from the previous holder's release (the waiters are queued
/// through the handover, so the lock word is never 0 and a trylock fails), until the release.
/// </summary>
internal readonly record struct HoldRecord(long RequestPs, long BusyPs, long ReleasePs, int Cpu, LockSite Site);
