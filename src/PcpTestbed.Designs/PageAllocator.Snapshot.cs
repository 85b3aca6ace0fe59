using System.Runtime.InteropServices;
using PcpTestbed.Model.Layout;

namespace PcpTestbed.Designs;

// The allocator's exact state at a quiescent point, saved and written back (AllocatorSnapshot): the zone's, which CPUs are
// online, each PCP. Left out, because no decision reads them: the statistics (_stats, the highatomic start and max), and
// what is free at every quiescent point (the locks, pcpu_drain_mutex, a pageblock design's refill buffers: asserted).
public abstract partial class PageAllocator<TExec>
{
    /// <summary>
    /// Saves the allocator's state into <paramref name="reuse"/> when its arrays fit (a run takes one at every clean audit),
    /// else into a new snapshot, and returns it. Only at a quiescent point (every CPU parked): it reads without locks.
    /// </summary>
    public AllocatorSnapshot SaveSnapshot(AllocatorSnapshot? reuse = null)
    {
        AssertSnapshotQuiescent();
        var name = Designs.Name(Design);
        var snapshot = reuse != null && reuse.Fits(name, Cpus, _zone.PresentPages, PcpState.Size)
            ? reuse
            : new AllocatorSnapshot(name, Cpus, _zone.PresentPages, PcpState.Size);
        _zone.SaveSnapshot(snapshot.Zone);
        var perCpu = snapshot.PerCpu.AsSpan();
        for (var cpu = 0; cpu < Cpus; cpu++)
        {
            snapshot.Online[cpu] = _online[cpu];
            var state = PcpState.Of(ref _pcps[cpu]);
            MemoryMarshal.Write(perCpu.Slice(cpu * PcpState.Size, PcpState.Size), in state);
        }

        return snapshot;
    }

    /// <summary>
    /// Writes <paramref name="snapshot"/> into this allocator, built fresh (or parked at a quiescent point) for the same design,
    /// CPUs and zone spec: after it, each CPU's operations find what they found when it was saved. A snapshot of another design
    /// or shape is an <see cref="ArgumentException"/>, and nothing is changed.
    /// </summary>
    public void RestoreSnapshot(AllocatorSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        AssertSnapshotQuiescent();
        var name = Designs.Name(Design);
        if (!snapshot.Fits(name, Cpus, _zone.PresentPages, PcpState.Size))
        {
            throw new ArgumentException(
                $"the snapshot is of {snapshot.Design} with {snapshot.Cpus} CPUs, {snapshot.Zone.Pages.Length} pages and {snapshot.PerCpuStateSize}-byte PCP states; " +
                $"this allocator is {name} with {Cpus} CPUs, {_zone.PresentPages} pages and {PcpState.Size}-byte PCP states",
                nameof(snapshot));
        }

        var perCpu = snapshot.PerCpu.AsSpan();
        for (var cpu = 0; cpu < Cpus; cpu++)
        {
            CheckPcpState(cpu, MemoryMarshal.Read<PcpState>(perCpu.Slice(cpu * PcpState.Size, PcpState.Size)));
        }

        _zone.RestoreSnapshot(snapshot.Zone);
        for (var cpu = 0; cpu < Cpus; cpu++)
        {
            _online[cpu] = snapshot.Online[cpu];
            MemoryMarshal.Read<PcpState>(perCpu.Slice(cpu * PcpState.Size, PcpState.Size)).WriteTo(ref _pcps[cpu]);
        }
    }

    /// <summary>A PCP state whose links leave the zone (a damaged snapshot) is refused before anything changes.</summary>
    private void CheckPcpState(int cpu, in PcpState state)
    {
        var pages = _zone.PresentPages;
        var ok = state.Count >= 0 && state.RemoteFreeHead >= PerCpuPages.RemoteListClosed && state.RemoteFreeHead <= pages;
        foreach (var head in state.Lists)
        {
            ok &= head.First >= -1 && head.First < pages && head.Last >= -1 && head.Last < pages;
        }

        if (!ok)
        {
            throw new ArgumentException($"the snapshot's PCP of CPU {cpu} has a count or a list link outside the zone of {pages} pages", "snapshot");
        }
    }

    /// <summary>What is free at every quiescent point, so a snapshot need not hold it: the locks, the drain mutex, a design's own.</summary>
    protected virtual void AssertSnapshotQuiescent()
    {
        if (Volatile.Read(ref _drainMutex) != 0 || _zone.Lock.State != 0)
        {
            throw new InvalidOperationException("a snapshot is taken or restored at a quiescent point only: zone->lock or pcpu_drain_mutex is held");
        }

        for (var cpu = 0; cpu < Cpus; cpu++)
        {
            if (_pcps[cpu].Lock.State != 0)
            {
                throw new InvalidOperationException($"a snapshot is taken or restored at a quiescent point only: CPU {cpu}'s pcp->lock is held");
            }
        }
    }
}
