using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Cpus;

/// <summary>
/// What one emulated CPU is doing, as it notes it itself: the allocator entry point it is in (from
/// <see cref="IExecution.OpBegin"/>) and the lock it spins on. Only its CPU writes the record, with plain stores; the
/// watchdog and the stuck-CPU report read it racily, as the kernel's soft-lockup detector reads another CPU's state.
/// The fields sit in the middle of two cache lines so neighbouring records never share one.
/// </summary>
/// <remarks>
/// <see cref="OpSeq"/> counts the entry points begun. The flight recorder keeps its own ring position in this record
/// (<see cref="RingPos"/>), since a batch's folios take entries too.
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = 2 * CacheLine.Size)]
internal struct CpuActivity // do not make readonly: its CPU writes it in place in the table's array
{
    /// <summary>Entry points begun. Written last by OpBegin: a watchdog that sees it unchanged knows the CPU is still in the same call.</summary>
    [FieldOffset(CacheLine.Size)]
    public long OpSeq;

    /// <summary>The current entry point's arguments (see <see cref="AllocatorOp"/>).</summary>
    [FieldOffset(CacheLine.Size + 8)]
    public long Arg0;

    [FieldOffset(CacheLine.Size + 16)]
    public long Arg1;

    /// <summary>Stopwatch timestamp at which the current contended spin_lock() began spinning; 0 when not spinning.</summary>
    [FieldOffset(CacheLine.Size + 24)]
    public long WaitStart;

    /// <summary>The instance of the lock spun on (valid while <see cref="WaitStart"/> is not 0).</summary>
    [FieldOffset(CacheLine.Size + 32)]
    public int WaitInstance;

    /// <summary>The current entry point as <see cref="AllocatorOp"/> + 1; 0 between entry points.</summary>
    [FieldOffset(CacheLine.Size + 36)]
    public byte Op;

    [FieldOffset(CacheLine.Size + 37)]
    public LockClass WaitClass;

    [FieldOffset(CacheLine.Size + 38)]
    public LockSite WaitSite;

    /// <summary>
    /// Times the spinning CPU saw the lock word change (released, or taken by another CPU) during the current wait:
    /// evidence that the lock is changing hands, not stuck with one holder.
    /// </summary>
    [FieldOffset(CacheLine.Size + 40)]
    public int WaitHandovers;

    /// <summary>
    /// The flight recorder's ring for this CPU (<see cref="Recorder.FlightRecorder"/>): where it starts in the shared array,
    /// in longs; fixed at construction. The ring's position and freeze sit here, on the line OpBegin already writes, so
    /// recording an operation touches no line of its own but the ring's.
    /// </summary>
    [FieldOffset(CacheLine.Size + 44)]
    public int RingBase;

    /// <summary>Ring entries written so far (operations and folios); the next goes to ring[RingPos &amp; mask].</summary>
    [FieldOffset(CacheLine.Size + 48)]
    public long RingPos;

    /// <summary>
    /// The ring freezes when <see cref="RingPos"/> reaches this: half a ring after the cut (long.MaxValue until then), so what
    /// led to the violation is not overwritten while the run goes on. Written once by the cutting thread.
    /// </summary>
    [FieldOffset(CacheLine.Size + 56)]
    public long RingLimit;

    /// <summary>OpBegin on the record's own CPU: three plain stores and the sequence bump.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Begin(AllocatorOp op, long arg0, long arg1)
    {
        Arg0 = arg0;
        Arg1 = arg1;
        Op = (byte)(op + 1);

        // Publishes the call to the watchdog: a new sequence number means the CPU moved on.
        Volatile.Write(ref OpSeq, OpSeq + 1);
    }

    /// <summary>OpEnd on the record's own CPU: one plain store.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void End() => Op = 0;

    /// <summary>The slow path of spin_lock() on the record's own CPU: it starts spinning on <paramref name="l"/>.</summary>
    public void WaitBegin(ref EmuSpinLock l, LockSite site)
    {
        WaitClass = l.Class;
        WaitInstance = l.Instance;
        WaitSite = site;
        WaitHandovers = 0;

        // Publishes the wait (the fields above first) to the reporter.
        Volatile.Write(ref WaitStart, Math.Max(1, Stopwatch.GetTimestamp()));
    }

    /// <summary>The spinning CPU saw the lock word change for the <paramref name="count"/>-th time.</summary>
    public void WaitHandover(int count) => Volatile.Write(ref WaitHandovers, count);

    public void WaitEnd() => Volatile.Write(ref WaitStart, 0);
}
