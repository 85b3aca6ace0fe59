using System.Runtime.CompilerServices;

namespace PcpTestbed.Execution.LockStat;

/// <summary>One CPU's <see cref="SiteCounters"/> for every (lock class, site) pair, inline so a CPU's record is one block.</summary>
[InlineArray(LockStatRecorder.SlotCount)]
internal struct SiteCounterTable // do not make readonly: the owning CPU updates its counters in place
{
    private SiteCounters _element0;
}
