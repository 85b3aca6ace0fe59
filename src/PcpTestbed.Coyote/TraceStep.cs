namespace PcpTestbed.Coyote;

/// <summary>
/// One step of a failing iteration, as a trace file prints it: which CPU, inside which operation, did what,
/// at which kernel call site.
/// </summary>
/// <param name="Step">1-based position in the iteration.</param>
/// <param name="Cpu">The emulated CPU.</param>
/// <param name="Operation">The operation the CPU was in, e.g. "free(pfn 0x10, order 0)".</param>
/// <param name="Event">What happened, e.g. "trylock pcp->lock#0 failed (held by CPU 2)".</param>
/// <param name="Site">The kernel function of a lock step, the access site of a read, write or atomic (<see cref="Model.Sync.AccessSites"/>), else empty.</param>
public sealed record TraceStep(int Step, int Cpu, string Operation, string Event, string Site);
