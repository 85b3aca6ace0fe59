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

    /// <summary>The current entry point and its arguments as an <see cref="OpWord"/>; 0 between entry points.</summary>
    [FieldOffset(CacheLine.Size + 8)]
    public long Call;

    /// <summary>Ring entries written so far (operations, folios and epoch marks); the next goes to the ring's slot RingPos &amp; <see cref="RingMask"/>.</summary>
    [FieldOffset(CacheLine.Size + 16)]
    public long RingPos;

    /// <summary>
    /// The fast path's one bound: an entry goes in with one compare while <see cref="RingPos"/> is below it. It is
    /// <see cref="RingFreeze"/> (or above it for an instant after a cut, until the cut or the CPU lowers it), or an epoch
    /// sentinel (negative: below every position) that the coordinator's <see cref="Recorder.FlightRecorder.AdvanceEpoch"/>
    /// stores to send the CPU's next entry down the slow path, which marks the new epoch and puts the freeze back.
    /// Written by the coordinator (a plain store of a sentinel), the cutting thread (a CAS that only lowers) and its CPU
    /// (a CAS from the sentinel it saw back to the freeze); the races are in <see cref="Recorder.FlightRecorder"/>'s remarks.
    /// </summary>
    [FieldOffset(CacheLine.Size + 24)]
    public long RingLimit;

    /// <summary>
    /// The address of this CPU's ring (<see cref="Recorder.FlightRecorder"/>'s pinned array, which never moves); fixed at
    /// construction. The ring's address, mask, position, freeze and epoch sit here, on the line OpBegin already writes, so
    /// recording an operation touches no line of its own but the ring's.
    /// </summary>
    [FieldOffset(CacheLine.Size + 32)]
    public nint RingStart;

    /// <summary>The ring's size less one (a power of two less one); fixed at construction.</summary>
    [FieldOffset(CacheLine.Size + 40)]
    public long RingMask;

    /// <summary>The coordinator's epoch of this CPU's last ring entry: when the epoch moves on, the next entry is preceded by an epoch mark.</summary>
    [FieldOffset(CacheLine.Size + 48)]
    public int RingEpoch;

    /// <summary>
    /// The ring freezes when <see cref="RingPos"/> reaches this: half a ring after the cut (long.MaxValue until then), so what
    /// led to the violation is not overwritten while the run goes on. Written once by the cutting thread, before it lowers
    /// <see cref="RingLimit"/>; read by the CPU's slow path and the reader.
    /// </summary>
    [FieldOffset(CacheLine.Size + 56)]
    public long RingFreeze;

    /// <summary>Stopwatch timestamp at which the current contended spin_lock() began spinning; 0 when not spinning.</summary>
    /// <remarks>The wait's fields are on the record's second line: only a contended spin_lock() writes them.</remarks>
    [FieldOffset(CacheLine.Size + 64)]
    public long WaitStart;

    /// <summary>The instance of the lock spun on (valid while <see cref="WaitStart"/> is not 0).</summary>
    [FieldOffset(CacheLine.Size + 72)]
    public int WaitInstance;

    [FieldOffset(CacheLine.Size + 76)]
    public LockClass WaitClass;

    [FieldOffset(CacheLine.Size + 77)]
    public LockSite WaitSite;

    /// <summary>
    /// Times the spinning CPU saw the lock word change (released, or taken by another CPU) during the current wait:
    /// evidence that the lock is changing hands, not stuck with one holder.
    /// </summary>
    [FieldOffset(CacheLine.Size + 80)]
    public int WaitHandovers;

    /// <summary>
    /// OpBegin on the record's own CPU: the call's word (its arguments as <see cref="OpWord"/> keeps them: a gfp mask to 24
    /// bits, a pfn to 36), one plain store, and the sequence bump.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Begin(AllocatorOp op, long arg0, long arg1)
    {
        Call = OpWord.Pack((long)op + 1, arg0, arg1);

        // Publishes the call to the watchdog: a new sequence number means the CPU moved on.
        Volatile.Write(ref OpSeq, OpSeq + 1);
    }

    /// <summary>OpEnd on the record's own CPU: one plain store.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void End() => Call = 0;

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
