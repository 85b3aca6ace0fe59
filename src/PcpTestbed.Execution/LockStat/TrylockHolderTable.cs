using System.Runtime.CompilerServices;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.LockStat;

/// <summary>
/// One CPU's trylock collisions: for every (lock class, failing site) slot, how many of its failed trylocks found
/// the lock held at each site, at [slot * <see cref="LockSites.Count"/> + holder site]. Inline, so a CPU's record
/// stays one block; written only by that CPU.
/// </summary>
[InlineArray(LockStatRecorder.SlotCount * LockSites.Count)]
internal struct TrylockHolderTable // do not make readonly: the owning CPU increments its counters in place
{
    private long _element0;
}
