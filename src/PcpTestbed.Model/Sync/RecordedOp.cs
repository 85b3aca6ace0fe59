namespace PcpTestbed.Model.Sync;

/// <summary>
/// One allocator entry point as a flight recorder kept it (<see cref="IExecution.OpBegin"/>, <see cref="IExecution.OpFolio"/>,
/// <see cref="IExecution.OpEnd"/>): the operation, its arguments, its result, and the coarse epoch the run's coordinator had
/// advanced to when it ended, which orders operations of different CPUs approximately (two operations of different epochs
/// happened in that order; within one epoch the order is unknown).
/// </summary>
/// <param name="Op">The entry point; for a folio of a batched free, <see cref="AllocatorOp.FreeBatch"/> with <see cref="IsFolio"/>.</param>
/// <param name="Arg0">As <see cref="AllocatorOp"/> says (alloc: the order; free: the absolute pfn; a batch: its folio count; a folio: its pfn).</param>
/// <param name="Arg1">alloc: the gfp mask; free and folio: the order.</param>
/// <param name="Result">alloc: the absolute pfn or -1; else 0.</param>
/// <param name="Epoch">The coordinator's epoch when the operation ended (or, for one that never ended, began).</param>
/// <param name="Ended">False for an operation still running (or that threw) when the ring was read.</param>
/// <param name="IsFolio">A folio of the batched free before it.</param>
public readonly record struct RecordedOp(AllocatorOp Op, long Arg0, long Arg1, long Result, int Epoch, bool Ended, bool IsFolio)
{
    public override string ToString() => IsFolio
        ? $"  folio(pfn 0x{Arg0:x}, order {Arg1})"
        : AllocatorOps.Describe(Op, Arg0, Arg1) + (Op == AllocatorOp.Alloc && Ended ? $" = {(Result < 0 ? "-1" : $"0x{Result:x}")}" : Ended ? "" : " (did not return)");
}
