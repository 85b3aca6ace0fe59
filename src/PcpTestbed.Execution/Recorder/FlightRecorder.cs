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
/// <see cref="FolioCode"/>, an epoch mark <see cref="MarkCode"/>. A batched free's folios (<see cref="Folio"/>), and the pages
/// direct reclaim freed inside an allocation, are written as they are freed, so they come before their operation's entry;
/// <see cref="Read"/> puts them after it.
/// </para>
/// <para>
/// No clock is read: the coordinator advances an epoch at each of its wake-ups (every millisecond or more), and each CPU
/// keeps the epoch of its last entry in its record; an entry that finds the epoch moved on is preceded by an epoch mark
/// (the epoch before and after), a few hundred a second, so an entry takes the epoch of the last mark before it, or, before
/// the first mark the ring still holds, that mark's epoch before. The epochs' guarantee: an entry of epoch e on one CPU
/// ended before an entry of a later epoch on any CPU ended.
/// </para>
/// <para>
/// <b>One compare on the fast path.</b> End's fast path reads no shared word: it writes while the CPU's
/// <see cref="CpuActivity.RingLimit"/> is above its position. The limit is the ring's freeze
/// (<see cref="CpuActivity.RingFreeze"/>, long.MaxValue until the cut) or an epoch sentinel, <see cref="Sentinel"/>(n), a
/// negative number naming epoch n, below every position. <see cref="AdvanceEpoch"/> to n stores the sentinel of n in every
/// CPU's limit first (phase 1), then publishes n (phase 2). End's slow path (<see cref="EndSlow"/>) reads the freeze and
/// the epoch: frozen, it writes nothing; else it marks the epoch if it moved on, writes the entry, and, only if the limit
/// held the sentinel of the epoch it read, puts the freeze back with a CAS from that sentinel. The races, one by one:
/// </para>
/// <list type="bullet">
/// <item>A CPU's fast-path entry of epoch e read its limit before phase 1 of e + 1 stored the sentinel there (its limit
/// was put back by itself after it read e), so it ended before phase 2 published e + 1, before any CPU read e + 1: the
/// guarantee holds. A slow-path entry takes the epoch it read, as the old fast path did.</item>
/// <item>The slow path between phases 1 and 2 reads the old epoch: its entry takes it, and its limit stays the sentinel
/// (the sentinel names the next epoch, not the one read), so its entries take the slow path until phase 2 is visible.
/// Putting the limit back then would let the CPU write entries of the old epoch after other CPUs wrote ones of the new.</item>
/// <item>The coordinator stores the next sentinel between the CPU's read of the limit and its CAS: the CAS, from the
/// sentinel the CPU saw, fails, and the next entry takes the slow path for the next epoch. Sentinels of distinct epochs
/// differ (the epoch wraps after 2^22 advances: a CPU would have to stall that many wake-ups, over an hour, between its
/// read and its CAS for the CAS to succeed on a recycled sentinel).</item>
/// <item>A cut stores the freeze (an exchange: a full fence), then lowers the limit to it with a CAS that never raises it
/// (<see cref="Lower"/>), so a sentinel stays. A CPU putting the limit back read the freeze before its CAS, so it may
/// restore the old one (long.MaxValue): after its CAS (a full fence) it reads the freeze again and lowers the limit if it
/// changed. Of the cut's [store freeze; fence; read limit] and the CPU's [CAS limit; fence; read freeze], at least one sees
/// the other's write, so one of them lowers the limit to the freeze.</item>
/// <item>The coordinator's sentinel overwrites a freeze: the slow path reads the freeze from
/// <see cref="CpuActivity.RingFreeze"/>, which nothing overwrites, and a frozen ring keeps taking the slow path.</item>
/// <item>A batch's folio (<see cref="Folio"/>) that meets a sentinel is written if the ring is not frozen, and leaves the
/// sentinel for the batch's End, which marks the epoch before the batch's entry.</item>
/// </list>
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

    /// <summary>The zone's first pfn, to derive the holdings from <see cref="_snapshot"/> (the coordinator's).</summary>
    private int _zoneStartPfn;

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
            a.RingFreeze = long.MaxValue;
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

    /// <summary>What a CPU threw, when that throw was the first violation and cut the window; null otherwise.</summary>
    public Exception? CutFault { get; private set; }

    /// <summary>
    /// The coordinator's wake-up (its thread only): later entries are ordered after earlier ones of any CPU. Every CPU's
    /// limit gets the new epoch's sentinel first, then the epoch is published (the type's remarks say why in that order).
    /// </summary>
    public void AdvanceEpoch() => PublishEpoch(AnnounceEpoch());

    /// <summary>AdvanceEpoch's phase 1: every CPU's limit gets the next epoch's sentinel; returns that epoch.</summary>
    internal int AnnounceEpoch()
    {
        var next = (_epoch + 1) & EpochMask;
        var sentinel = Sentinel(next);
        for (var cpu = 0; cpu < _records.Length; cpu++)
        {
            // Sends the CPU's next entry down the slow path; a freeze it overwrites stays in RingFreeze.
            Volatile.Write(ref _records[cpu].RingLimit, sentinel);
        }

        return next;
    }

    /// <summary>AdvanceEpoch's phase 2, after every sentinel: a CPU that reads the epoch has been sent to the slow path before.</summary>
    internal void PublishEpoch(int epoch) => Volatile.Write(ref _epoch, epoch);

    /// <summary>Epoch <paramref name="epoch"/>'s sentinel: negative, below every ring position, one per epoch.</summary>
    internal static long Sentinel(int epoch) => -1L - epoch;

    /// <summary>A folio of the batched free in progress on <paramref name="cpu"/> (its own thread), as an entry of its own.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Folio(int cpu, long pfn, int order)
    {
        ref var a = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_records), cpu);
        var pos = a.RingPos;
        if (pos < a.RingLimit)
        {
            Store(ref a, pos, OpWord.Pack(FolioCode, pfn, order));
            a.RingPos = pos + 1;
        }
        else
        {
            FolioSlow(ref a, pos, OpWord.Pack(FolioCode, pfn, order));
        }
    }

    /// <summary>
    /// OpEnd on <paramref name="cpu"/>'s own thread: its operation's entry (<see cref="Record"/>), and the activity record's
    /// end (its operation cleared, as <see cref="CpuActivity.End"/> does).
    /// </summary>
    internal void End(int cpu, long result)
    {
        ref var a = ref _records[cpu];
        Record(ref a, result);
        a.End();
    }

    /// <summary>
    /// OpEnd on the CPU of <paramref name="a"/> (its own thread, its record in <see cref="Activity"/>), before the record's
    /// end: the operation the record holds (OpBegin's), with <paramref name="result"/>, as one entry of one plain store, and
    /// the position's store, while the position is below the limit: one compare. Otherwise the slow path
    /// (<see cref="EndSlow"/>): a new epoch to mark, or a frozen ring.
    /// </summary>
    /// <remarks>
    /// The store goes through the ring's address in the record: the array is pinned, <see cref="CpuActivity.RingStart"/>
    /// is the CPU's part of it and the offset is masked to the ring, so every store is inside the CPU's part by
    /// construction (the constructor sizes it).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Record(ref CpuActivity a, long result)
    {
        Debug.Assert(result == 0 || OpWord.Code(a.Call) == OpWord.AllocCode, "only an allocation has a result");
        var pos = a.RingPos;
        if (pos < a.RingLimit)
        {
            Store(ref a, pos, a.Call | (result << OpWord.ResultShift));
            a.RingPos = pos + 1;
        }
        else
        {
            EndSlow(ref a, pos, result);
        }
    }

    /// <summary>At a clean audit, every CPU parked: the window of a later violation starts here, with no state recorded (no holdings, no snapshot).</summary>
    public void Checkpoint() => StartWindow(null, 0);

    /// <summary>
    /// At a clean audit, every CPU parked: the window of a later violation starts at the allocator's exact state,
    /// <paramref name="snapshot"/>, of a zone whose first pfn is <paramref name="zoneStartPfn"/>. The recorder keeps it until
    /// the next checkpoint: a caller that reuses a snapshot's arrays takes the next one into another (<see cref="Snapshot"/>).
    /// The zone's holdings are not read now (a second walk of the page array at every clean audit): <see cref="Read"/> derives
    /// them from the snapshot (<see cref="ZoneHoldings.Of"/>), once, when a run broke; the one way a recording gets them.
    /// </summary>
    public void Checkpoint(AllocatorSnapshot snapshot, int zoneStartPfn)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        StartWindow(snapshot, zoneStartPfn);
    }

    private void StartWindow(AllocatorSnapshot? snapshot, int zoneStartPfn)
    {
        if (IsCut)
        {
            return;
        }

        _snapshot = snapshot;
        _zoneStartPfn = zoneStartPfn;
        for (var cpu = 0; cpu < _records.Length; cpu++)
        {
            _checkpoint[cpu] = Volatile.Read(ref _records[cpu].RingPos);
        }
    }

    /// <summary>
    /// The first violation (<paramref name="reason"/>, its text, and <paramref name="pfn"/>, the page it was found at, if
    /// any): fixes every CPU's end of the window and the operation it is in (racy reads of the other CPUs' records, which
    /// run on; at a stop-the-world point exact), and freezes each ring half a ring later so the run going on does not
    /// overwrite it. <paramref name="fault"/> is what a CPU threw when the violation is that throw. Later calls do nothing.
    /// </summary>
    public void Cut(string reason, long? pfn = null, Exception? fault = null)
    {
        if (Interlocked.Exchange(ref _cutTaken, 1) != 0)
        {
            return;
        }

        CutPfn = pfn;
        CutFault = fault;
        CutReason = reason;
        for (var cpu = 0; cpu < _records.Length; cpu++)
        {
            ref var a = ref _records[cpu];
            _cutOpSeq[cpu] = Volatile.Read(ref a.OpSeq);
            _cutCall[cpu] = Volatile.Read(ref a.Call);
            var pos = Volatile.Read(ref a.RingPos);
            _cut[cpu] = pos;
            var freeze = pos + (EntriesPerCpu / 2);

            // Publishes the freeze to the CPU's slow path, and fences it before the read of the limit (the type's remarks).
            Interlocked.Exchange(ref a.RingFreeze, freeze);
            Lower(ref a.RingLimit, freeze);
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
            var written = Volatile.Read(ref a.RingPos);
            var now = Math.Min(written, Volatile.Read(ref a.RingFreeze));

            // Only the ring's last EntriesPerCpu positions survive: a CPU's fast path may write past its freeze between the
            // cut's read of its position and the cut's Lower of its limit, overwriting entries below the freeze.
            var oldest = Math.Max(0, written - EntriesPerCpu);
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
        var holdings = _snapshot is { } snapshot ? ZoneHoldings.Of(snapshot.Zone, _zoneStartPfn) : null;
        return CutReason is { } cutReason
            ? new FlightRecording(windows, lost, EntriesPerCpu, cutReason, CutPfn, holdings, _snapshot)
            : new FlightRecording(windows, lost, EntriesPerCpu, reason, pfn, holdings, _snapshot);
    }

    /// <summary>
    /// End's slow path, a few hundred times a second, and at every entry once the ring is frozen: the limit, read again, is
    /// the freeze (frozen: nothing to write) or an epoch sentinel. Then an epoch mark if the epoch moved on since the CPU's
    /// last entry (the epoch before and after it), the operation's entry, each while the ring is not frozen; the epoch and
    /// then the position are published in that order, so a reader that sees the new epoch sees the mark. The limit is put
    /// back to the freeze only if it held the sentinel of the epoch read (the type's remarks).
    /// </summary>
    /// <remarks>
    /// The limit is read again here, not passed from the fast path (a register fewer there): no other thread raises it to a
    /// position (the coordinator stores sentinels, the cut lowers it), so it is still below <paramref name="pos"/>.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EndSlow(ref CpuActivity a, long pos, long result)
    {
        var limit = Volatile.Read(ref a.RingLimit);
        var freeze = Volatile.Read(ref a.RingFreeze);

        // A limit that is no sentinel is the freeze, at or below pos (the fast path sent the CPU here): pos >= freeze decides alone.
        Debug.Assert(limit < 0 || limit == freeze, "a limit that is no sentinel is the freeze");
        if (pos >= freeze)
        {
            return;
        }

        // After the limit's read: an epoch published after the sentinel the CPU saw is at least that sentinel's.
        var epoch = Volatile.Read(ref _epoch);
        if (epoch != a.RingEpoch)
        {
            Store(ref a, pos, MarkCode | ((long)a.RingEpoch << OpWord.CodeBits) | ((long)epoch << OpWord.ResultShift));
            pos++;
        }

        if (pos < freeze)
        {
            Store(ref a, pos, a.Call | (result << OpWord.ResultShift));
            pos++;
        }

        Volatile.Write(ref a.RingEpoch, epoch);
        Volatile.Write(ref a.RingPos, pos);
        if (limit == Sentinel(epoch))
        {
            Reopen(ref a, limit, freeze);
        }
    }

    /// <summary>
    /// A batch's folio found the limit below its position: a frozen ring, or an epoch sentinel, which stays for the batch's
    /// End to mark; the folio goes in unless the ring is frozen.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void FolioSlow(ref CpuActivity a, long pos, long entry)
    {
        if (pos < Volatile.Read(ref a.RingFreeze))
        {
            Store(ref a, pos, entry);
            Volatile.Write(ref a.RingPos, pos + 1);
        }
    }

    /// <summary>
    /// The ring store: <paramref name="entry"/> at <paramref name="pos"/> of the CPU's ring, through its address in the record
    /// (the offset masked to the ring: inside the CPU's part by construction, <see cref="Record"/>'s remarks).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store(ref CpuActivity a, long pos, long entry) => *(long*)(a.RingStart + (nint)((pos & a.RingMask) * sizeof(long))) = entry;

    /// <summary>
    /// The CPU, having marked the epoch of <paramref name="sentinel"/>, puts its limit back to the freeze it read: a CAS from
    /// the sentinel (it fails if the coordinator has stored the next epoch's since), then, a cut having perhaps stored a
    /// lower freeze since the read, the freeze read again and the limit lowered to it.
    /// </summary>
    internal static void Reopen(ref CpuActivity a, long sentinel, long freeze)
    {
        if (Interlocked.CompareExchange(ref a.RingLimit, freeze, sentinel) != sentinel)
        {
            return;
        }

        // After the CAS's full fence: a cut that read the limit before the CAS stored its freeze before this read.
        var now = Volatile.Read(ref a.RingFreeze);
        if (now != freeze)
        {
            Lower(ref a.RingLimit, now);
        }
    }

    /// <summary>
    /// Lowers <paramref name="limit"/> to <paramref name="freeze"/> unless it is already at or below it (a sentinel, or the
    /// freeze itself). Each retry follows a store by another thread, and only the coordinator's sentinels (which end the
    /// loop) and the CPU's one CAS back from a sentinel can come between: the loop ends.
    /// </summary>
    private static void Lower(ref long limit, long freeze)
    {
        while (true)
        {
            var l = Volatile.Read(ref limit);

            // The CAS from l lowers only the value it read: it never undoes a sentinel stored meanwhile.
            if (l <= freeze || Interlocked.CompareExchange(ref limit, freeze, l) == l)
            {
                return;
            }
        }
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
        else if (e.Op == AllocatorOp.Alloc)
        {
            // The pages direct reclaim freed inside the allocation (IExecution.OpFolio), in the order freed. Their number is not
            // recorded: a ring that overwrote the first ones keeps the rest, and a replay frees only those.
            ops.Add(e);
            ops.AddRange(folios.Select(f => f with { Epoch = e.Ended ? e.Epoch : f.Epoch }));
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
