using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Virtual;

// Charging the running CPU for the work it does: entry paths, atomics, and units of work under its locks.
public sealed partial class VirtualMachine
{
    /// <summary>The zone's work tally as last charged; zone->lock's work is the difference.</summary>
    private WorkTally _zoneSeen;

    /// <summary>An allocator entry point begins: its path outside locks and lists (per folio for a batched free).</summary>
    internal void OpBegin(int cpu, AllocatorOp op, long arg0)
    {
        if (_current < 0)
        {
            return;
        }

        CheckRunning(cpu);
        (_entryOf ??= new AllocatorOp[_clockPs.Length])[cpu] = op;
        _clockPs[cpu] += op switch
        {
            AllocatorOp.Alloc => _cost.AllocPathPs,
            AllocatorOp.Free => _cost.FreePathPs,
            AllocatorOp.FreeBatch => _cost.FreePathPs * Math.Max(0, arg0),
            _ => 0,
        };
    }

    /// <summary>The entry point each CPU last began (<see cref="OpBegin"/>): what a page freed inside it (<see cref="OpFolio"/>) belongs to.</summary>
    private AllocatorOp[]? _entryOf;

    /// <summary>
    /// A page freed inside the running CPU's entry point: a batched free's folio is charged with its batch (<see cref="OpBegin"/>);
    /// a page direct reclaim frees inside an allocation (shrink_folio_list()'s free_unref_folios(), from
    /// __alloc_pages_direct_reclaim()) takes a free's path, which it was charged when the seam reported it as a free of its own.
    /// </summary>
    internal void OpFolio(int cpu)
    {
        if (_current < 0)
        {
            return;
        }

        CheckRunning(cpu);
        if (_entryOf?[cpu] == AllocatorOp.Alloc)
        {
            _clockPs[cpu] += _cost.FreePathPs;
        }
    }

    /// <summary>A cmpxchg or xchg by the running CPU.</summary>
    internal void Atomic()
    {
        if (_current >= 0)
        {
            _clockPs[_current] += _cost.AtomicPs;
        }
    }

    /// <summary>Work the running CPU reports under its pcp->lock: a list operation costs a cache line more on a PCP another CPU owns.</summary>
    internal void Work(WorkKind kind, int units)
    {
        if (_current < 0)
        {
            return;
        }

        var each = kind switch
        {
            WorkKind.ListOp => InnermostPcp() is var pcp && pcp >= 0 && pcp != _current ? _cost.RemotePcpListOpPs : _cost.PcpListOpPs,
            WorkKind.ChunkMoved => _cost.ChunkMovePs,
            WorkKind.MergeStep => _cost.MergeStepPs,
            WorkKind.PageScan => _cost.PageScanPs,
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        _clockPs[_current] += each * units;
    }

    /// <summary>Charges the running CPU for the zone work done since the last look (all of it under zone->lock).</summary>
    private void SyncZoneWork()
    {
        if (_zone is null)
        {
            return;
        }

        ref readonly var now = ref _zone.Work;
        var lists = now.ListOps - _zoneSeen.ListOps;
        var chunks = now.ChunksMoved - _zoneSeen.ChunksMoved;
        var merges = now.MergeSteps - _zoneSeen.MergeSteps;
        var scans = now.PagesScanned - _zoneSeen.PagesScanned;
        if ((lists | chunks | merges | scans) == 0)
        {
            return;
        }

        _zoneSeen = now;
        if (_current >= 0)
        {
            _clockPs[_current] += (lists * _cost.ZoneListOpPs) + (chunks * _cost.ChunkMovePs) + (merges * _cost.MergeStepPs) + (scans * _cost.PageScanPs);
        }
    }

    /// <summary>At a step's start: work done between steps (untimed) is nobody's.</summary>
    private void BaselineZoneWork()
    {
        if (_zone is not null)
        {
            _zoneSeen = _zone.Work;
        }
    }
}
