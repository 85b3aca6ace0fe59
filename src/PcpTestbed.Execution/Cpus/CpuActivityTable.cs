using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Cpus;

/// <summary>
/// Every emulated CPU's <see cref="CpuActivity"/> record, plus a note per CPU saying where it is when it is not in an
/// allocator call (its workload, posted work, kswapd). <see cref="Locking.OsExecution{TProbe}"/> writes the records
/// from each CPU's own thread; <see cref="CpuWatchdog"/> reads them.
/// </summary>
public sealed class CpuActivityTable
{
    private readonly CpuActivity[] _records;

    /// <summary>Each written by the harness on behalf of its CPU (rarely: a phase change); read racily.</summary>
    private readonly string?[] _notes;

    public CpuActivityTable(int cpus)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cpus, 1);
        _records = new CpuActivity[cpus];
        _notes = new string?[cpus];
    }

    public int CpuCount => _records.Length;

    /// <summary>
    /// The records themselves: <see cref="Locking.OsExecution{TProbe}"/> writes each CPU's (<see cref="CpuActivity.Begin"/>,
    /// <see cref="CpuActivity.End"/>, <see cref="CpuActivity.WaitBegin"/>) and the flight recorder keeps its ring's position in them.
    /// </summary>
    internal CpuActivity[] Records => _records;

    /// <summary>Says where <paramref name="cpu"/> is between allocator calls (e.g. "posted work: ..."); null for its default.</summary>
    public void SetNote(int cpu, string? note) => Volatile.Write(ref _notes[cpu], note);

    public string? Note(int cpu) => Volatile.Read(ref _notes[cpu]);

    /// <summary>Entry points <paramref name="cpu"/> has begun (a racy read).</summary>
    public long OpSeq(int cpu) => Volatile.Read(ref _records[cpu].OpSeq);

    /// <summary>A racy copy of <paramref name="cpu"/>'s record: fields may come from two moments.</summary>
    public CpuActivitySnapshot Read(int cpu)
    {
        ref var a = ref _records[cpu];
        var seq = Volatile.Read(ref a.OpSeq);
        var call = Volatile.Read(ref a.Call);
        var waitStart = Volatile.Read(ref a.WaitStart);
        return new CpuActivitySnapshot(
            seq,
            call == 0 ? null : (AllocatorOp)(OpWord.Code(call) - 1),
            OpWord.Arg0(call),
            OpWord.Arg1(call),
            waitStart == 0 ? null : new LockWaitNote(a.WaitClass, a.WaitInstance, a.WaitSite, waitStart, Volatile.Read(ref a.WaitHandovers)),
            Volatile.Read(ref _notes[cpu]));
    }
}
