using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PcpTestbed.Execution.Cpus;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Recorder;

/// <summary>
/// The flight recorder: a ring per CPU of its last allocator operations (operation, arguments, result, and a batched
/// free's folios), written by <see cref="Locking.OsExecution{TProbe}"/> from the CPU's own thread with plain stores into
/// its own part of one array, and read by the coordinator when a run broke, to write a reproduction file.
/// </summary>
/// <remarks>
/// <para>
/// An operation is recorded once, at its end (<see cref="End"/>), from the CPU's <see cref="CpuActivity"/> record, which
/// OpBegin already wrote for the stuck-CPU report: the recorder adds nothing at OpBegin, and at OpEnd reads the record's
/// line (the CPU's own, just written) and stores one entry and the ring position. An entry is two longs. The first packs
/// the record's operation code (8 bits: <see cref="AllocatorOp"/> + 1, or <see cref="FolioCode"/>), arg1 (24 bits: a gfp
/// mask or an order) and arg0 (32 bits: an order, a pfn below 2^32, a folio count or a CPU). The second packs the coarse
/// epoch (<see cref="Epoch"/>, 23 bits) and the result (40 bits, a pfn or -1). A batched free's folios
/// (<see cref="Folio"/>) are written as they are freed, so they come before their batch's entry; <see cref="Read"/> puts
/// them after it. No clock is read: the coordinator advances the epoch at each of its wake-ups (every millisecond or more),
/// and an entry takes the epoch it reads at its end, a plain read of a line that changes a few hundred times a second.
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
    /// <summary>Entries per CPU by default: 4,096 (64 KiB per CPU).</summary>
    public const int DefaultEntriesPerCpu = 4096;

    /// <summary>A folio's operation code: past every <see cref="AllocatorOp"/> + 1, the activity record's codes.</summary>
    private const byte FolioCode = AllocatorOps.Count + 1;

    private const int ResultBits = 40;
    private const long ResultMask = (1L << ResultBits) - 1;

    /// <summary>Longs between two CPUs' rings: the ring plus a cache line's worth, so two rings never share a line.</summary>
    private readonly int _stride;
    private readonly long _mask;
    private readonly long[] _ring;
    private readonly CpuActivity[] _records;
    private readonly long[] _checkpoint;
    private readonly long[] _cut;
    private readonly long[] _cutOpSeq;
    private readonly byte[] _cutOp;
    private int _epoch;
    private int _cutTaken;

    /// <param name="activity">The CPUs' activity records: the recorder reads each operation from its CPU's, and keeps its ring's position there.</param>
    /// <param name="entriesPerCpu">The ring's size per CPU: a power of two from 16.</param>
    public FlightRecorder(CpuActivityTable activity, int entriesPerCpu = DefaultEntriesPerCpu)
    {
        ArgumentNullException.ThrowIfNull(activity);
        if (entriesPerCpu < 16 || (entriesPerCpu & (entriesPerCpu - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(entriesPerCpu), entriesPerCpu, "expected a power of two from 16");
        }

        var cpus = activity.CpuCount;
        Activity = activity;
        EntriesPerCpu = entriesPerCpu;
        _mask = entriesPerCpu - 1;
        _stride = (entriesPerCpu * 2) + (CacheLine.Size / sizeof(long));
        if ((long)_stride * cpus > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(entriesPerCpu), entriesPerCpu, $"{cpus} rings of {entriesPerCpu} entries do not fit in one array");
        }

        _ring = new long[_stride * cpus];
        _records = activity.Records;
        for (var cpu = 0; cpu < cpus; cpu++)
        {
            _records[cpu].RingLimit = long.MaxValue;
            _records[cpu].RingBase = cpu * _stride;
        }

        _checkpoint = new long[cpus];
        _cut = new long[cpus];
        _cutOpSeq = new long[cpus];
        _cutOp = new byte[cpus];
    }

    /// <summary>The activity records the recorder reads (its CPUs' OpBegin writes them).</summary>
    public CpuActivityTable Activity { get; }

    public int EntriesPerCpu { get; }

    /// <summary>Whether the window has been cut (the first violation).</summary>
    public bool IsCut => Volatile.Read(ref _cutTaken) != 0;

    /// <summary>The first violation's text, as the cut was given it; null before the cut.</summary>
    public string? CutReason { get; private set; }

    /// <summary>The coordinator's wake-up: later entries are ordered after earlier ones of any CPU.</summary>
    public void AdvanceEpoch() => Volatile.Write(ref _epoch, (_epoch + 1) & 0x3F_FFFF);

    /// <summary>A folio of the batched free in progress on <paramref name="cpu"/> (its own thread), as an entry of its own.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Folio(int cpu, long pfn, int order)
    {
        ref var a = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_records), cpu);
        var pos = a.RingPos;
        if (pos >= a.RingLimit)
        {
            return;
        }

        ref var e = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_ring), a.RingBase + (int)((pos & _mask) << 1));
        e = FolioCode | ((long)order << 8) | (pfn << 32);
        Unsafe.Add(ref e, 1) = (long)_epoch << ResultBits;
        a.RingPos = pos + 1;
    }

    /// <summary>
    /// OpEnd on <paramref name="cpu"/>'s own thread: the operation its activity record holds (OpBegin's), with the epoch and
    /// <paramref name="result"/>, as one entry of two plain stores, the position's store, and the record's end (its
    /// operation cleared, as <see cref="CpuActivityTable"/>'s End does). Frozen rings take the record's end only.
    /// </summary>
    /// <remarks>
    /// The indexing skips bounds checks: <see cref="CpuActivity.RingBase"/> is the CPU's ring's start and the offset is
    /// masked to the ring, so every index is inside the array by construction (the constructor sizes it); the CPU is
    /// the caller's own, below the table's CPU count.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void End(int cpu, long result)
    {
        ref var a = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_records), cpu);
        var pos = a.RingPos;
        if (pos < a.RingLimit)
        {
            ref var e = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_ring), a.RingBase + (int)((pos & _mask) << 1));
            e = a.Op | ((a.Arg1 & 0xFF_FFFF) << 8) | (a.Arg0 << 32);
            Unsafe.Add(ref e, 1) = ((long)_epoch << ResultBits) | (result & ResultMask);
            a.RingPos = pos + 1;
        }

        a.Op = 0;
    }

    /// <summary>At a clean audit, every CPU parked: the window of a later violation starts here.</summary>
    public void Checkpoint()
    {
        if (IsCut)
        {
            return;
        }

        for (var cpu = 0; cpu < _records.Length; cpu++)
        {
            _checkpoint[cpu] = Volatile.Read(ref _records[cpu].RingPos);
        }
    }

    /// <summary>
    /// The first violation (<paramref name="reason"/>, its text): fixes every CPU's end of the window and the operation it is
    /// in (racy reads of the other CPUs' records, which run on; at a stop-the-world point exact), and freezes each ring half
    /// a ring later so the run going on does not overwrite it. Later calls do nothing.
    /// </summary>
    public void Cut(string reason)
    {
        if (Interlocked.Exchange(ref _cutTaken, 1) != 0)
        {
            return;
        }

        CutReason = reason;
        for (var cpu = 0; cpu < _records.Length; cpu++)
        {
            ref var a = ref _records[cpu];
            _cutOpSeq[cpu] = Volatile.Read(ref a.OpSeq);
            _cutOp[cpu] = Volatile.Read(ref a.Op);
            var pos = Volatile.Read(ref a.RingPos);
            _cut[cpu] = pos;
            Volatile.Write(ref a.RingLimit, pos + (EntriesPerCpu / 2));
        }
    }

    /// <summary>
    /// The window of every CPU: its operations from the last checkpoint to the cut (cutting now, for <paramref name="reason"/>,
    /// if nothing did), or from the oldest entry the ring still holds, then the operation it was in at the cut. Read when
    /// the CPUs have stopped, or, for the cut's own entries, racily (an entry a CPU overwrote since the cut is left out and
    /// counted as lost).
    /// </summary>
    public FlightRecording Read(string reason)
    {
        Cut(reason);
        var windows = new RecordedOp[_records.Length][];
        var lost = new long[_records.Length];
        for (var cpu = 0; cpu < _records.Length; cpu++)
        {
            ref var a = ref _records[cpu];
            var end = _cut[cpu];
            var now = Math.Min(Volatile.Read(ref a.RingPos), Volatile.Read(ref a.RingLimit));

            // Entries up to now - ring size have been overwritten.
            var oldest = Math.Max(0, now - EntriesPerCpu);
            var start = Math.Max(_checkpoint[cpu], oldest);
            lost[cpu] = start - _checkpoint[cpu];
            var ops = new List<RecordedOp>();
            var folios = new List<RecordedOp>();
            for (var p = start; p < Math.Min(end, now); p++)
            {
                Take(Entry(cpu, p), ops, folios);
            }

            if (_cutOp[cpu] != 0)
            {
                // The operation in progress at the cut: the first operation entry after it, if the CPU ended it since (its
                // folios before it); else, the CPU still in it (or stopped in it by a throw), the activity record's.
                var ended = false;
                for (var p = Math.Max(start, end); p < now && !ended; p++)
                {
                    var e = Entry(cpu, p);
                    ended = !e.IsFolio;
                    Take(e, ops, folios);
                }

                var op = Volatile.Read(ref a.Op);
                if (!ended && op != 0 && Volatile.Read(ref a.OpSeq) == _cutOpSeq[cpu])
                {
                    Take(new RecordedOp((AllocatorOp)(op - 1), a.Arg0, a.Arg1 & 0xFF_FFFF, 0, 0, false, false), ops, folios);
                }
            }

            windows[cpu] = [.. ops];
        }

        return new FlightRecording(windows, lost, EntriesPerCpu, CutReason ?? reason);
    }

    private RecordedOp Entry(int cpu, long p)
    {
        var i = (cpu * _stride) + (int)((p & _mask) << 1);
        return Decode(Volatile.Read(ref _ring[i]), Volatile.Read(ref _ring[i + 1]));
    }

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

    private static RecordedOp Decode(long w0, long w1)
    {
        var code = (byte)w0;
        var arg1 = (w0 >> 8) & 0xFF_FFFF;
        var arg0 = (long)((ulong)w0 >> 32);
        var epoch = (int)(w1 >> ResultBits);
        var raw = w1 & ResultMask;
        var result = raw == ResultMask ? -1 : raw;
        return code == FolioCode
            ? new RecordedOp(AllocatorOp.FreeBatch, arg0, arg1, 0, epoch, true, true)
            : new RecordedOp((AllocatorOp)(code - 1), arg0, arg1, result, epoch, true, false);
    }
}
