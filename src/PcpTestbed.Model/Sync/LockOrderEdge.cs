namespace PcpTestbed.Model.Sync;

/// <summary>
/// One observed nesting, as lockdep's dependency graph keeps it: <see cref="Inner"/> was taken at
/// <see cref="InnerSite"/> while <see cref="Outer"/>, taken at <see cref="OuterSite"/>, was held (JSON-friendly: names
/// as the lock tables print them).
/// </summary>
/// <param name="Outer">The lock class held, e.g. "pcp->lock".</param>
/// <param name="OuterSite">The kernel function that took it, e.g. "rmqueue_pcplist".</param>
/// <param name="Inner">The lock class taken inside, e.g. "zone->lock".</param>
/// <param name="InnerSite">The kernel function that took it, e.g. "rmqueue_bulk".</param>
/// <param name="Cpu">The CPU that first took them nested.</param>
/// <param name="Iteration">The engine iteration it was first seen in (1-based under Coyote; 0 on OS threads).</param>
/// <param name="Count">How often the nesting was taken.</param>
public sealed record LockOrderEdge(string Outer, string OuterSite, string Inner, string InnerSite, int Cpu, int Iteration, long Count);
