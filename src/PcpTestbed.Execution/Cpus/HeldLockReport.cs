namespace PcpTestbed.Execution.Cpus;

/// <summary>A lock a CPU holds, as a stuck-CPU report lists it (lockdep's held_locks line): <paramref name="Lock"/> (<c>&amp;pcp->lock#3</c>, <c>&amp;zone->lock</c>) and the call site that took it.</summary>
public sealed record HeldLockReport(string Lock, string Site);
