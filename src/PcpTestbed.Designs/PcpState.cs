using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PcpTestbed.Designs;

/// <summary>
/// What a snapshot keeps of one <see cref="PerCpuPages"/>: every field but the lock (free at a quiescent point, and a fresh
/// allocator's lock is its own) and the padding. Its bytes are the per-CPU part of a <see cref="Model.Layout.AllocatorSnapshot"/>.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
internal struct PcpState // do not make readonly: read into from a snapshot's bytes
{
    public int Count;
    public int High;
    public int HighMin;
    public int HighMax;
    public int Batch;
    public int RemoteFreeHead;
    public short FreeCount;
    public PcpFlags Flags;
    public byte AllocFactor;
    public PcpListHeads Lists;

    public static int Size => Unsafe.SizeOf<PcpState>();

    public static PcpState Of(ref PerCpuPages pcp) => new()
    {
        Count = pcp.Count, High = pcp.High, HighMin = pcp.HighMin, HighMax = pcp.HighMax, Batch = pcp.Batch, RemoteFreeHead = pcp.RemoteFreeHead,
        FreeCount = pcp.FreeCount, Flags = pcp.Flags, AllocFactor = pcp.AllocFactor, Lists = pcp.Lists,
    };

    public readonly void WriteTo(ref PerCpuPages pcp)
    {
        pcp.Count = Count;
        pcp.High = High;
        pcp.HighMin = HighMin;
        pcp.HighMax = HighMax;
        pcp.Batch = Batch;
        pcp.RemoteFreeHead = RemoteFreeHead;
        pcp.FreeCount = FreeCount;
        pcp.Flags = Flags;
        pcp.AllocFactor = AllocFactor;
        pcp.Lists = Lists;
    }
}
