namespace PcpTestbed.Execution.Cpus;

/// <summary>
/// The lock a stuck CPU spins on: its name, the call site spinning, for how long, how often the spinning CPU saw the
/// lock word change meanwhile (0: the same holder all along), and who holds it now (<paramref name="HolderCpu"/> null
/// when the lock word read free at that instant).
/// </summary>
public sealed record LockWait(string Lock, string Site, double Seconds, int Handovers, int? HolderCpu, string? HolderSite);
