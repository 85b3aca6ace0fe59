using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Lockdep;

/// <summary>What lockdep saw in a real-thread run (JSON-friendly).</summary>
/// <param name="Reports">Lockdep reports made (a failed lockdep_assert_held(), a possible circular or recursive locking, a lock held at return).</param>
/// <param name="Messages">The first distinct reports, each starting with "[lockdep] ".</param>
/// <param name="Order">Every nesting of two locks observed, with both acquisition sites: lockdep's dependency graph.</param>
public sealed record LockdepReport(long Reports, IReadOnlyList<string> Messages, IReadOnlyList<LockOrderEdge> Order);
