using PcpTestbed.Model.Layout;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Recorder;

/// <summary>What the flight recorder held when a run broke: each CPU's operations in the window, oldest first.</summary>
/// <param name="Windows">Per CPU, the operations from the last clean audit (or the oldest the ring kept) to the first violation.</param>
/// <param name="Lost">Per CPU, ring entries (operations, folios, epoch marks) since the last clean audit that the ring had already overwritten (0: the window is complete).</param>
/// <param name="EntriesPerCpu">The ring's size.</param>
/// <param name="Violation">The first violation, where the window was cut ("[invariant] ...").</param>
/// <param name="ViolationPfn">The absolute pfn the first violation was found at (an audit's <c>Violation.Pfn</c>, a bad page's), or null (lockdep, pages lost, any other throw).</param>
/// <param name="Holdings">What the zone held at the last clean audit, where the windows start (null: no clean audit before the cut, or none recorded).</param>
/// <param name="Snapshot">The allocator's exact state at that clean audit (null: none taken).</param>
public sealed record FlightRecording(IReadOnlyList<RecordedOp[]> Windows, IReadOnlyList<long> Lost, int EntriesPerCpu, string Violation, long? ViolationPfn,
    ZoneHoldings? Holdings = null, AllocatorSnapshot? Snapshot = null)
{
    /// <summary>Whether every CPU's window starts at a clean audit.</summary>
    public bool Complete => Lost.All(l => l == 0);
}
