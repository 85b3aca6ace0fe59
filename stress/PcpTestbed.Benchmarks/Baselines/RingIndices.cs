using System.Runtime.InteropServices;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Benchmarks.Baselines;

/// <summary>
/// <see cref="SpscRing{T}"/>'s head (consumer) and tail (producer) on lines of their own, as in
/// ConcurrentQueueSegment's PaddedHeadAndTail. Not nested in the ring: a generic type's nested struct is
/// generic too, and generic types cannot have explicit layout.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 3 * CacheLine.Size)]
internal struct RingIndices // do not make readonly: both indices advance in place
{
    /// <summary>Written by the consumer only.</summary>
    [FieldOffset(CacheLine.Size)]
    public int Head;

    /// <summary>Written by the producer only.</summary>
    [FieldOffset(2 * CacheLine.Size)]
    public int Tail;
}
