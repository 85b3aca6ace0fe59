using System.Runtime.InteropServices;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Recorder;

/// <summary>
/// One CPU's write position in its ring, in the middle of two cache lines of its own so neighbouring CPUs' positions never
/// share a line. Only its CPU writes it, with plain stores; the coordinator reads it at stop-the-world points (where the
/// CPU's release of the quiescent point orders it) or racily to cut the window at a report.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 2 * CacheLine.Size)]
internal struct FlightRecorderSlot // do not make readonly: its CPU writes it in place
{
    /// <summary>Entries written so far (operations and folios); the next goes to ring[Pos &amp; mask].</summary>
    [FieldOffset(CacheLine.Size)]
    public long Pos;

    /// <summary>The ring index (in longs) of the entry of the operation in progress, whose result OpEnd writes.</summary>
    [FieldOffset(CacheLine.Size + 8)]
    public int Open;

    /// <summary>
    /// The ring freezes when <see cref="Pos"/> reaches this: half a ring after the cut (long.MaxValue until then), so what led
    /// to the violation is not overwritten while the run goes on. Written once by the cutting thread.
    /// </summary>
    [FieldOffset(CacheLine.Size + 16)]
    public long Limit;

    /// <summary>Where the CPU's ring starts in the shared array (in longs): fixed at construction.</summary>
    [FieldOffset(CacheLine.Size + 12)]
    public int Base;
}
