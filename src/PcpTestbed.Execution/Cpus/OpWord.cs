using System.Runtime.CompilerServices;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Cpus;

/// <summary>
/// An allocator entry point and its arguments in one long, as a CPU's <see cref="CpuActivity"/> record holds the call it is
/// in and the flight recorder stores it: the operation code (<see cref="AllocatorOp"/> + 1; 0 for none) in bits 0-3, arg1
/// (a gfp mask or an order) in bits 4-27, arg0 (an order, a pfn below 2^36, a folio count or a CPU) from bit 28. A
/// recorded allocation ORs its result (a pfn below 2^32 - 1, or -1) in from bit 32: its arg0 is an order, below 16.
/// </summary>
/// <remarks>
/// One word because the flight recorder copies the call at OpEnd: one load and one OR with the result, where three fields
/// took three loads and their shifts and masks (issue 15). OpBegin's constant operation folds into the packing.
/// </remarks>
internal static class OpWord
{
    public const int CodeBits = 4;
    public const long CodeMask = (1 << CodeBits) - 1;
    public const long Arg1Mask = 0xFF_FFFF;
    public const int Arg0Shift = 28;
    public const int ResultShift = 32;

    /// <summary>An allocation's code: the one operation with a result.</summary>
    public const long AllocCode = (long)AllocatorOp.Alloc + 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Pack(long code, long arg0, long arg1) => code | ((arg1 & Arg1Mask) << CodeBits) | (arg0 << Arg0Shift);

    /// <summary>The operation code: <see cref="AllocatorOp"/> + 1, 0 for none.</summary>
    public static long Code(long w) => w & CodeMask;

    /// <summary>arg0 of a word without a result (an activity record's), or of any operation but a recorded allocation.</summary>
    public static long Arg0(long w) => (long)((ulong)w >> Arg0Shift);

    public static long Arg1(long w) => (w >> CodeBits) & Arg1Mask;

    /// <summary>A recorded allocation's arg0 (its order) and result.</summary>
    public static (long Order, long Result) Allocation(long w)
    {
        var raw = (uint)(w >> ResultShift);
        return ((w >> Arg0Shift) & 0xF, raw == uint.MaxValue ? -1 : raw);
    }
}
