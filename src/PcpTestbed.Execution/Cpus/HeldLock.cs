namespace PcpTestbed.Execution.Cpus;

/// <summary>A lock a CPU holds, as lockdep lists it: <paramref name="Lock"/> (<c>&amp;pcp->lock#3</c>, <c>&amp;zone->lock</c>) and the call site that took it.</summary>
public sealed record HeldLock(string Lock, string Site);
