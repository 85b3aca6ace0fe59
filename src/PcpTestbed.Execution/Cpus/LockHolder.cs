namespace PcpTestbed.Execution.Cpus;

/// <summary>A CPU that holds locks (lockdep's "all locks held in the system"), with what it is doing.</summary>
public sealed record LockHolder(int Cpu, CpuState State, string Doing, IReadOnlyList<HeldLockReport> HeldLocks);
