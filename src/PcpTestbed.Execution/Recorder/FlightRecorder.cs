using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PcpTestbed.Execution.Cpus;
using PcpTestbed.Model.Layout;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Recorder;

/// <summary>
/// The flight recorder: a ring per CPU of its last allocator operations (operation, arguments, result, and a batched
/// free's folios), written by <see cref="Locking.OsExecution{TProbe}"/> from the CPU's own thread with plain stores into
/// its own part of one pinned array, and read by the coordinator when a run broke, to write a reproduction file.
/// </summary>
/// <remarks>
/// <para>
/// An operation is recorded once, at its end (<see cref="End"/>), from the CPU's <see cref="CpuActivity"/> record, which
/// OpBegin already wrote for the stuck-CPU report: the recorder adds nothing at OpBegin, and at OpEnd reads the record's
/// call (the CPU's own line, just written) and stores one entry and the ring position. An entry is one long: the record's
/// call as <see cref="OpWord"/> packs it (the operation code in 4 bits, arg1 in 24, arg0 from bit 28), ORed with the
/// result from bit 32 (only an allocation has one, and its arg0, an order, fits below bit 32); a folio's entry has
/// <see cref="FolioCode"/>, an epoch mark <see cref="MarkCode"/>. A batched free's folios (<see cref="Folio"/>) are written
/// as they are freed, so they come before their batch's entry; <see cref="Read"/> puts them after it.
/// </para>
/// <para>
/// No clock is read: the coordinator advances an epoch at each of its wake-ups (every millisecond or more), and each CPU
/// keeps the epoch of its last entry in its record; an entry that finds the epoch moved on is preceded by an epoch mark
/// (the epoch before and after), a few hundred a second, so an entry takes the epoch of the last mark before it, or, before
/// the first mark the ring still holds, that mark's epoch before.
/// </para>
/// <para>
/// The window: the coordinator <see cref="Checkpoint"/>s every CPU's position at each clean audit (every CPU parked at a
/// quiescent point: a consistent state), and <see cref="Cut"/>s them at the first violation (a lockdep report, from the
/// reporting CPU, racily; an audit's violation; a CPU that threw). The reproduction file holds each CPU's operations from
/// the checkpoint to the cut, or from the oldest the ring still holds when it wrapped since, and the operation each CPU
/// was in at the cut: its entry if it ended before the ring froze, else (it threw, or is still running) the activity
/// record's, marked as not ended.
/// </para>
/// </remarks>
public sealed class FlightRecorder
{
    /// <summary>Entries per CPU by default: 4,096 (32 KiB per CPU).</summary>
    public const int DefaultEntriesPerCpu = 4096;

    /// <summary>A folio's operation code: past every <see cref="AllocatorOp"/> + 1, the activity record's codes.</summary>
    private const long FolioCode = AllocatorOps.Count + 1;

    /// <summary>An epoch mark's code: the epoch before it in bits 4-25, the epoch from it on in bits 32-53.</summary>
    private const long MarkCode = AllocatorOps.Count + 2;

    private const int EpochMask = 0x3F_FFFF;

    /// <summary>Longs between two CPUs' rings: the ring plus a cache line's worth, so two rings never share a line.</summary>
    private readonly int _stride;
    private readonly long _mask;

    /// <summary>Pinned: each CPU writes its part through the address in its record.</summary>
    private readonly long[] _ring;
    private readonly CpuActivity[] _records;
    private readonly long[] _checkpoint;
    private readonly long[] _cut;
    private readonly long[] _cutOpSeq;
    private readonly long[] _cutCall;
    private int _epoch;
    private int _cutTaken;

    /// <summary>What the zone held at the last checkpoint (the coordinator's, written and read by it only).</summary>
    private ZoneHoldings? _holdings;

    /// <summary>The allocator's whole state at the last checkpoint, or null (the coordinator's, written and read by it only; the caller does not write it again while held).</summary>
    private AllocatorSnapshot? _snapshot;

    /// <param name="activity">The CPUs' activity records: the recorder reads each operation from its CPU's, and keeps its ring's position there.</param>
    /// <param name="entriesPerCpu">The ring's size per CPU: a power of two from 16.</param>
    public unsafe FlightRecorder(CpuActivityTable activity, int entriesPerCpu = DefaultEntriesPerCpu)
    {
        ArgumentNullException.ThrowIfNull(activity);
        Debug.Assert(MarkCode <= OpWord.CodeMask, "every operation code, the folio's and the mark's fit in an entry's code bits");
        if (entriesPerCpu < 16 || (entriesPerCpu & (entriesPerCpu - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(entriesPerCpu), entriesPerCpu, "expected a power of two from 16");
        }

        var cpus = activity.CpuCount;
        Activity = activity;
        EntriesPerCpu = entriesPerCpu;
        _mask = entriesPerCpu - 1;
        _stride = entriesPerCpu + (CacheLine.Size / sizeof(long));
        if ((long)_stride * cpus > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(entriesPerCpu), entriesPerCpu, $"{cpus} rings of {entriesPerCpu} entries do not fit in one array");
        }

        _ring = GC.AllocateArray<long>(_stride * cpus, pinned: true);
        _records = activity.Records;
        for (var cpu = 0; cpu < cpus; cpu++)
        {
            ref var a = ref _records[cpu];
            a.RingPos = 0;
            a.RingEpoch = 0;
            a.RingLimit = long.MaxValue;
            a.RingStart = (nint)Unsafe.AsPointer(ref _ring[cpu * _stride]);
            a.RingMask = _mask;
        }

        _checkpoint = new long[cpus];
        _cut = new long[cpus];
        _cutOpSeq = new long[cpus];
        _cutCall = new long[cpus];
    }

    /// <summary>The activity records the recorder reads (its CPUs' OpBegin writes them).</summary>
    public CpuActivityTable Activity { get; }

    public int EntriesPerCpu { get; }

    /// <summary>The snapshot the last checkpoint keeps, or null: a caller reusing snapshots takes the next one into another.</summary>
    public AllocatorSnapshot? Snapshot => _snapshot;

    /// <summary>Whether the window has been cut (the first violation).</summary>
    public bool IsCut => Volatile.Read(ref _cutTaken) != 0;

    /// <summary>The first violation's text, as the cut was given it; null before the cut.</summary>
    public string? CutReason { get; private set; }

    /// <summary>The pfn the first violation was found at, as the cut was given it; null before the cut or when it named none.</summary>
    public long? CutPfn { get; private set; }

    /// <summary>The coordinator's wake-up: later entries are ordered after earlier ones of any CPU.</summary>
    public void AdvanceEpoch() => Volatile.Write(ref _epoch, (_epoch + 1) & EpochMask);

    /// <summary>A folio of the batched free in progress on <paramref name="cpu"/> (its own thread), as an entry of its own.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void Folio(int cpu, long pfn, int order)
    {
        ref var a = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_records), cpu);
        var pos = a.RingPos;
        if (pos < a.RingLimit)
        {
            *(long*)(a.RingStart + (nint)((pos & a.RingMask) * sizeof(long))) = OpWord.Pack(FolioCode, pfn, order);
            a.RingPos = pos + 1;
        }
    }

    /// <summary>
    /// OpEnd on <paramref name="cpu"/>'s own thread: the operation its activity record holds (OpBegin's), with
    /// <paramref name="result"/>, as one entry of one plain store, the position's store, and the record's end (its
    /// operation cleared, as <see cref="CpuActivityTable"/>'s End does). An epoch moved on since the CPU's last entry takes
    /// the slow path, which marks it first. Frozen rings take the record's end only.
    /// </summary>
    /// <remarks>
    /// The store goes through the ring's address in the record: the array is pinned, <see cref="CpuActivity.RingStart"/>
    /// is the CPU's part of it and the offset is masked to the ring, so every store is inside the CPU's part by
    /// construction (the constructor sizes it); the CPU is the caller's own, below the table's CPU count.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void End(int cpu, long result)
    {
        Debug.Assert(result == 0 || OpWord.Code(_records[cpu].Call) == OpWord.AllocCode, "only an allocation has a result");
        ref var a = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_records), cpu);
        var pos = a.RingPos;
        if (pos < a.RingLimit)
        {
            if (a.RingEpoch == _epoch)
            {
                *(long*)(a.RingStart + (nint)((pos & a.RingMask) * sizeof(long))) = a.Call | (result << OpWord.ResultShift);
                a.RingPos = pos + 1;
            }
            else
            {
                EndInNewEpoch(ref a, pos, result);
            }
        }

        a.Call = 0;
    }

    /// <summary>
    /// At a clean audit, every CPU parked: the window of a later violation starts here, from the zone's
    /// <paramref name="holdings"/> (what a rebuild from the window's operations cannot derive; null: not recorded) and the
    /// allocator's exact state, <paramref name="snapshot"/> (null: not taken). The recorder keeps both until the next
    /// checkpoint: a caller that reuses a snapshot's arrays takes the next one into another (<see cref="Snapshot"/>).
    /// </summary>
    public void Checkpoint(ZoneHoldings? holdings = null, AllocatorSnapshot? snapshot = null)
    {
        if (IsCut)
        {
            return;
        }

        _holdings = holdings;
        _snapshot = snapshot;
        for (var cpu = 0; cpu < _records.Length; cpu++)
        {
            _checkpoint[cpu] = Volatile.Read(ref _records[cpu].RingPos);
        }
    }

    /// <summary>
    /// The first violation (<paramref name="reason"/>, its text, and <paramref name="pfn"/>, the page it was found at, if
    /// any): fixes every CPU's end of the window and the operation it is in (racy reads of the other CPUs' records, which
    /// run on; at a stop-the-world point exact), and freezes each ring half a ring later so the run going on does not
    /// overwrite it. Later calls do nothing.
    /// </summary>
    public void Cut(string reason, long? pfn = null)
    {
        if (Interlocked.Exchange(ref _cutTaken, 1) != 0)
        {
            return;
        }

        CutPfn = pfn;
        CutReason = reason;
        for (var cpu = 0; cpu < _records.Length; cpu++)
        {
            ref var a = ref _records[cpu];
            _cutOpSeq[cpu] = Volatile.Read(ref a.OpSeq);
            _cutCall[cpu] = Volatile.Read(ref a.Call);
            var pos = Volatile.Read(ref a.RingPos);
            _cut[cpu] = pos;
            Volatile.Write(ref a.RingLimit, pos + (EntriesPerCpu / 2));
        }
    }

    /// <summary>
    /// The window of every CPU: its operations from the last checkpoint to the cut (cutting now, for <paramref name="reason"/>
    /// at <paramref name="pfn"/>, if nothing did), or from the oldest entry the ring still holds, then the operation it was
    /// in at the cut. Read when the CPUs have stopped, or, for the cut's own entries, racily (an entry a CPU overwrote since
    /// the cut is left out and counted as lost).
    /// </summary>
    public FlightRecording Read(string reason, long? pfn = null)
    {
        Cut(reason, pfn);
        var windows = new RecordedOp[_records.Length][];
        var lost = new long[_records.Length];
        for (var cpu = 0; cpu < _records.Length; cpu++)
        {
            ref var a = ref _records[cpu];
            var end = _cut[cpu];

            // The epoch first: a CPU publishes a mark's epoch before the position past it.
            var lastEpoch = Volatile.Read(ref a.RingEpoch);
            var now = Math.Min(Volatile.Read(ref a.RingPos), Volatile.Read(ref a.RingLimit));

            // Entries up to now - ring size have been overwritten.
            var oldest = Math.Max(0, now - EntriesPerCpu);
            var start = Math.Max(_checkpoint[cpu], oldest);
            lost[cpu] = start - _checkpoint[cpu];
            var epoch = EpochAt(cpu, start, now, lastEpoch);
            var ops = new List<RecordedOp>();
            var folios = new List<RecordedOp>();
            for (var p = start; p < Math.Min(end, now); p++)
            {
                var w = Entry(cpu, p);
                if (IsMark(w))
                {
                    epoch = MarkEpoch(w, after: true);
                    continue;
                }

                Take(Decode(w, epoch), ops, folios);
            }

            if (_cutCall[cpu] != 0)
            {
                // The operation in progress at the cut: the first operation entry after it, if the CPU ended it since (its
                // folios before it); else, the CPU still in it (or stopped in it by a throw), the activity record's.
                var ended = false;
                for (var p = Math.Max(start, end); p < now && !ended; p++)
                {
                    var w = Entry(cpu, p);
                    if (IsMark(w))
                    {
                        epoch = MarkEpoch(w, after: true);
                        continue;
                    }

                    var e = Decode(w, epoch);
                    ended = !e.IsFolio;
                    Take(e, ops, folios);
                }

                var call = Volatile.Read(ref a.Call);
                if (!ended && call != 0 && Volatile.Read(ref a.OpSeq) == _cutOpSeq[cpu])
                {
                    Take(new RecordedOp((AllocatorOp)(OpWord.Code(call) - 1), OpWord.Arg0(call), OpWord.Arg1(call), 0, 0, false, false), ops, folios);
                }
            }

            windows[cpu] = [.. ops];
        }

        // The cut's text and pfn, written pfn first; a racing first Cut whose text is not yet visible leaves this call's.
        return CutReason is { } cutReason
            ? new FlightRecording(windows, lost, EntriesPerCpu, cutReason, CutPfn, _holdings, _snapshot)
            : new FlightRecording(windows, lost, EntriesPerCpu, reason, pfn, _holdings, _snapshot);
    }

    /// <summary>
    /// End's slow path, a few hundred times a second: the epoch moved on since the CPU's last entry, so an epoch mark first
    /// (the epoch before and after it), then the operation's entry, each while the ring is not frozen. The epoch and then
    /// the position are published in that order, so a reader that sees the new epoch sees the mark.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private unsafe void EndInNewEpoch(ref CpuActivity a, long pos, long result)
    {
        var epoch = Volatile.Read(ref _epoch);
        *(long*)(a.RingStart + (nint)((pos & a.RingMask) * sizeof(long))) = MarkCode | ((long)a.RingEpoch << OpWord.CodeBits) | ((long)epoch << OpWord.ResultShift);
        pos++;
        if (pos < a.RingLimit)
        {
            *(long*)(a.RingStart + (nint)((pos & a.RingMask) * sizeof(long))) = a.Call | (result << OpWord.ResultShift);
            pos++;
        }

        Volatile.Write(ref a.RingEpoch, epoch);
        Volatile.Write(ref a.RingPos, pos);
    }

    /// <summary>
    /// The epoch of the entry at <paramref name="start"/>: the epoch before the first mark from there to <paramref name="now"/>,
    /// or, with no mark in between, the CPU's <paramref name="lastEpoch"/> (the epoch of its last entry).
    /// </summary>
    private int EpochAt(int cpu, long start, long now, int lastEpoch)
    {
        for (var p = start; p < now; p++)
        {
            var w = Entry(cpu, p);
            if (IsMark(w))
            {
                return MarkEpoch(w, after: false);
            }
        }

        return lastEpoch;
    }

    private long Entry(int cpu, long p) => Volatile.Read(ref _ring[(cpu * _stride) + (int)(p & _mask)]);

    private static bool IsMark(long w) => OpWord.Code(w) == MarkCode;

    /// <summary>An epoch mark's epoch before it (<paramref name="after"/> false) or from it on.</summary>
    private static int MarkEpoch(long w, bool after) => (int)((after ? w >> OpWord.ResultShift : w >> OpWord.CodeBits) & EpochMask);

    /// <summary>
    /// Appends <paramref name="e"/> to a window: a folio waits in <paramref name="folios"/> for its batch, which goes in
    /// before them. A batch without all its folios (the ring had overwritten the first ones, or the window ends inside it),
    /// and folios without their batch, would mislead: they are left out.
    /// </summary>
    private static void Take(RecordedOp e, List<RecordedOp> ops, List<RecordedOp> folios)
    {
        if (e.IsFolio)
        {
            folios.Add(e);
            return;
        }

        if (e.Op == AllocatorOp.FreeBatch)
        {
            if (folios.Count == e.Arg0)
            {
                ops.Add(e);
                ops.AddRange(folios.Select(f => f with { Epoch = e.Ended ? e.Epoch : f.Epoch }));
            }
        }
        else
        {
            ops.Add(e);
        }

        folios.Clear();
    }

    private static RecordedOp Decode(long w, int epoch)
    {
        var code = OpWord.Code(w);
        if (code == OpWord.AllocCode)
        {
            var (order, result) = OpWord.Allocation(w);
            return new RecordedOp(AllocatorOp.Alloc, order, OpWord.Arg1(w), result, epoch, true, false);
        }

        return code == FolioCode
            ? new RecordedOp(AllocatorOp.FreeBatch, OpWord.Arg0(w), OpWord.Arg1(w), 0, epoch, true, true)
            : new RecordedOp((AllocatorOp)(code - 1), OpWord.Arg0(w), OpWord.Arg1(w), 0, epoch, true, false);
    }
}
