using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Recorder;

/// <summary>
/// The flight recorder: a ring per CPU of its last allocator operations (operation, arguments, result, and a batched
/// free's folios), written by <see cref="Locking.OsExecution{TProbe}"/> from the CPU's own thread with plain stores into
/// its own part of one array, and read by the coordinator when a run breaks, to write a reproduction file.
/// </summary>
/// <remarks>
/// <para>
/// An entry is two longs. The first packs the operation (8 bits), arg1 (24 bits: a gfp mask or an order) and arg0 (32 bits:
/// an order, a pfn below 2^32, a folio count or a CPU). The second is written at the end of the operation: the coarse epoch
/// (<see cref="Epoch"/>, 23 bits) and the result (40 bits, a pfn or -1); until then it holds <see cref="NotEnded"/>. No
/// clock is read: the coordinator advances the epoch at each of its wake-ups (every millisecond or more), and an entry
/// takes the epoch it reads at its end, a plain read of a line that changes a few hundred times a second.
/// </para>
/// <para>
/// The window: the coordinator <see cref="Checkpoint"/>s every CPU's position at each clean audit (every CPU parked at a
/// quiescent point: a consistent state), and <see cref="Cut"/>s them at the first violation (a lockdep report, from the
/// reporting CPU, racily; an audit's violation; a CPU that threw). The reproduction file holds each CPU's operations from
/// the checkpoint to the cut, or from the oldest the ring still holds when it wrapped since.
/// </para>
/// </remarks>
public sealed class FlightRecorder
{
    /// <summary>Entries per CPU by default: 4,096 (64 KiB per CPU).</summary>
    public const int DefaultEntriesPerCpu = 4096;

    /// <summary>The second word of an entry whose operation has not ended (bit 63 set, which no ended entry has).</summary>
    internal const long NotEnded = long.MinValue;

    private const int ResultBits = 40;
    private const long ResultMask = (1L << ResultBits) - 1;
    private const byte FolioOp = AllocatorOps.Count;

    /// <summary>Longs between two CPUs' rings: the ring plus a cache line's worth, so two rings never share a line.</summary>
    private readonly int _stride;
    private readonly long _mask;
    private readonly long[] _ring;
    private readonly FlightRecorderSlot[] _slots;
    private readonly long[] _checkpoint;
    private readonly long[] _cut;
    private int _epoch;
    private int _cutTaken;

    public FlightRecorder(int cpus, int entriesPerCpu = DefaultEntriesPerCpu)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cpus, 1);
        if (entriesPerCpu < 16 || (entriesPerCpu & (entriesPerCpu - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(entriesPerCpu), entriesPerCpu, "expected a power of two from 16");
        }

        EntriesPerCpu = entriesPerCpu;
        _mask = entriesPerCpu - 1;
        _stride = (entriesPerCpu * 2) + (CacheLine.Size / sizeof(long));
        if ((long)_stride * cpus > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(entriesPerCpu), entriesPerCpu, $"{cpus} rings of {entriesPerCpu} entries do not fit in one array");
        }

        _ring = new long[_stride * cpus];
        _slots = new FlightRecorderSlot[cpus];
        for (var cpu = 0; cpu < cpus; cpu++)
        {
            _slots[cpu].Limit = long.MaxValue;
            _slots[cpu].Base = cpu * _stride;
            _slots[cpu].Open = cpu * _stride;
        }

        _checkpoint = new long[cpus];
        _cut = new long[cpus];
    }

    public int Cpus => _slots.Length;

    public int EntriesPerCpu { get; }

    /// <summary>The coordinator's epoch: advanced by <see cref="AdvanceEpoch"/>, read by every entry's end.</summary>
    public int Epoch => Volatile.Read(ref _epoch);

    /// <summary>Whether the window has been cut (the first violation).</summary>
    public bool IsCut => Volatile.Read(ref _cutTaken) != 0;

    /// <summary>The first violation's text, as the cut was given it; null before the cut.</summary>
    public string? CutReason { get; private set; }

    /// <summary>The coordinator's wake-up: later entries are ordered after earlier ones of any CPU.</summary>
    public void AdvanceEpoch() => Volatile.Write(ref _epoch, (_epoch + 1) & 0x3F_FFFF);

    /// <summary>OpBegin on <paramref name="cpu"/>'s own thread: two plain stores into its ring and two into its slot.</summary>
    /// <remarks>
    /// The indexing skips bounds checks: <see cref="FlightRecorderSlot.Base"/> is the CPU's ring's start and the offset is
    /// masked to the ring, so every index is inside the array by construction (the constructor sizes it).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Begin(int cpu, AllocatorOp op, long arg0, long arg1)
    {
        ref var s = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_slots), cpu);
        var pos = s.Pos;
        if (pos >= s.Limit)
        {
            return;
        }

        var i = s.Base + (int)((pos & _mask) << 1);
        ref var e = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_ring), i);
        e = (byte)op | ((arg1 & 0xFF_FFFF) << 8) | (arg0 << 32);
        Unsafe.Add(ref e, 1) = NotEnded;
        s.Open = i;
        s.Pos = pos + 1;
    }

    /// <summary>A folio of the batched free <see cref="Begin"/> just noted, as an entry of its own.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Folio(int cpu, long pfn, int order)
    {
        ref var s = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_slots), cpu);
        var pos = s.Pos;
        if (pos >= s.Limit)
        {
            return;
        }

        ref var e = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_ring), s.Base + (int)((pos & _mask) << 1));
        e = FolioOp | ((long)order << 8) | (pfn << 32);
        Unsafe.Add(ref e, 1) = (long)_epoch << ResultBits;
        s.Pos = pos + 1;
    }

    /// <summary>
    /// OpEnd on <paramref name="cpu"/>'s own thread: one store of the epoch and result into the operation's entry. Not checked
    /// against the freeze: once frozen, an operation whose begin was not recorded writes into the last recorded entry, which
    /// lies half a ring past the cut, outside every window.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void End(int cpu, long result) =>
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_ring), Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_slots), cpu).Open + 1) =
            ((long)_epoch << ResultBits) | (result & ResultMask);

    /// <summary>At a clean audit, every CPU parked: the window of a later violation starts here.</summary>
    public void Checkpoint()
    {
        if (IsCut)
        {
            return;
        }

        for (var cpu = 0; cpu < _slots.Length; cpu++)
        {
            _checkpoint[cpu] = Volatile.Read(ref _slots[cpu].Pos);
        }
    }

    /// <summary>
    /// The first violation (<paramref name="reason"/>, its text): fixes every CPU's end of the window (racy reads of the other
    /// CPUs' positions, which run on; at a stop-the-world point exact), and freezes each ring half a ring later so the run
    /// going on does not overwrite it. Later calls do nothing.
    /// </summary>
    public void Cut(string reason)
    {
        if (Interlocked.Exchange(ref _cutTaken, 1) != 0)
        {
            return;
        }

        CutReason = reason;
        for (var cpu = 0; cpu < _slots.Length; cpu++)
        {
            var pos = Volatile.Read(ref _slots[cpu].Pos);
            _cut[cpu] = pos;
            Volatile.Write(ref _slots[cpu].Limit, pos + (EntriesPerCpu / 2));
        }
    }

    /// <summary>
    /// The window of every CPU: its operations from the last checkpoint to the cut (cutting now, for <paramref name="reason"/>, if nothing did), or from the
    /// oldest entry the ring still holds. Read when the CPUs have stopped, or, for the cut's own entries, racily (an entry a
    /// CPU overwrote since the cut is left out and counted as lost).
    /// </summary>
    public FlightRecording Read(string reason)
    {
        Cut(reason);
        var windows = new RecordedOp[_slots.Length][];
        var lost = new long[_slots.Length];
        for (var cpu = 0; cpu < _slots.Length; cpu++)
        {
            var end = _cut[cpu];
            var now = Math.Min(Volatile.Read(ref _slots[cpu].Pos), Volatile.Read(ref _slots[cpu].Limit));

            // Entries up to now - ring size have been overwritten.
            var oldest = Math.Max(0, now - EntriesPerCpu);
            var start = Math.Max(_checkpoint[cpu], oldest);
            lost[cpu] = start - _checkpoint[cpu];
            var last = Math.Min(end, now);
            var ops = new List<RecordedOp>();
            for (var p = start; p < last; p++)
            {
                var i = (cpu * _stride) + (int)((p & _mask) << 1);
                ops.Add(Decode(_ring[i], Volatile.Read(ref _ring[i + 1])));
            }

            // A batch whose folios were cut off, or folios whose batch was overwritten, would mislead: trim both ends.
            while (ops.Count > 0 && ops[0].IsFolio)
            {
                ops.RemoveAt(0);
            }

            var lastBatch = ops.FindLastIndex(o => !o.IsFolio);
            if (lastBatch >= 0 && ops[lastBatch].Op == AllocatorOp.FreeBatch && ops.Count - lastBatch - 1 < ops[lastBatch].Arg0)
            {
                ops.RemoveRange(lastBatch, ops.Count - lastBatch);
            }

            windows[cpu] = [.. ops];
        }

        return new FlightRecording(windows, lost, EntriesPerCpu, CutReason ?? reason);
    }

    private static RecordedOp Decode(long w0, long w1)
    {
        var code = (byte)w0;
        var arg1 = (w0 >> 8) & 0xFF_FFFF;
        var arg0 = (long)((ulong)w0 >> 32);
        var ended = w1 != NotEnded;
        var epoch = ended ? (int)(w1 >> ResultBits) : 0;
        var raw = w1 & ResultMask;
        var result = raw == ResultMask ? -1 : raw;
        return code == FolioOp
            ? new RecordedOp(AllocatorOp.FreeBatch, arg0, arg1, 0, epoch, true, true)
            : new RecordedOp((AllocatorOp)code, arg0, arg1, ended ? result : 0, epoch, ended, false);
    }
}
