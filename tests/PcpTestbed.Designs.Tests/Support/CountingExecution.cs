using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs.Tests.Support;

/// <summary>How a lock was asked for.</summary>
public enum LockAttempt
{
    /// <summary>spin_lock(): always acquires (or, single-threaded, throws on a held lock).</summary>
    Lock,

    /// <summary>spin_trylock() that acquired the lock.</summary>
    TryLockTaken,

    /// <summary>spin_trylock() that found the lock held.</summary>
    TryLockFailed,
}

/// <summary>One lock request: by which CPU, on which lock (class and instance), from which site, and how.</summary>
public readonly record struct LockEvent(int Cpu, LockClass Class, int Instance, LockSite Site, LockAttempt Attempt)
{
    public bool Acquired => Attempt != LockAttempt.TryLockFailed;
}

/// <summary>A scheduling point the allocator made: a read or a write (an atomic counts as a write), where and on what.</summary>
public readonly record struct PointEvent(bool Write, SharedLocation Location, AccessSite Site);

/// <summary>An allocator entry point as the execution seam saw it begin (<see cref="IExecution.OpBegin"/>).</summary>
public readonly record struct OpEvent(int Cpu, AllocatorOp Op, long Arg0, long Arg1);

/// <summary>
/// The lock requests of a run, in order, and the entry points reported to the seam. Shared by every copy of a
/// <see cref="CountingExecution"/>. The hooks let a test act at a chosen moment, e.g. seize a lock on behalf of
/// another CPU right after the allocator released it, so that its next trylock fails.
/// </summary>
public sealed class LockLog
{
    private readonly List<LockEvent> _events = [];
    private readonly List<OpEvent> _ops = [];
    private readonly List<(int Cpu, long Pfn, int Order)> _folios = [];
    private readonly List<PointEvent> _points = [];

    public IReadOnlyList<LockEvent> Events => _events;

    /// <summary>Scheduling points made (SharedRead, SharedWrite, CompareExchange, Exchange), in order, the zone's included.</summary>
    public IReadOnlyList<PointEvent> Points => _points;

    /// <summary>Called at each scheduling point, before the access it precedes: a test may act there as another CPU would.</summary>
    public Action<PointEvent>? AtPoint { get; set; }

    /// <summary>Entry points begun, outermost only, as the allocator reported them.</summary>
    public IReadOnlyList<OpEvent> Ops => _ops;

    /// <summary>The folios reported inside entry points (<see cref="IExecution.OpFolio"/>), in order.</summary>
    public IReadOnlyList<(int Cpu, long Pfn, int Order)> Folios => _folios;

    /// <summary>Entry points that returned (<see cref="IExecution.OpEnd"/>).</summary>
    public int OpEnds { get; private set; }

    /// <summary>Called after each lock request is logged (a failed trylock included).</summary>
    public Action<LockEvent>? AfterLock { get; set; }

    /// <summary>Called after each release, with the lock's class and instance and the releasing CPU.</summary>
    public Action<LockClass, int, int>? AfterUnlock { get; set; }

    public void Add(LockEvent e)
    {
        _events.Add(e);
        AfterLock?.Invoke(e);
    }

    public void Released(LockClass lockClass, int instance, int cpu) => AfterUnlock?.Invoke(lockClass, instance, cpu);

    public void Begin(OpEvent op) => _ops.Add(op);

    public void Folio(int cpu, long pfn, int order) => _folios.Add((cpu, pfn, order));

    public void Point(PointEvent point)
    {
        _points.Add(point);
        AtPoint?.Invoke(point);
    }

    public void End() => OpEnds++;

    public void Clear()
    {
        _events.Clear();
        _ops.Clear();
        _folios.Clear();
        _points.Clear();
        OpEnds = 0;
    }

    /// <summary>Acquisitions of a lock class, narrowed by any of site, acquiring CPU and lock instance (the CPU for pcp->lock).</summary>
    public int Acquisitions(LockClass lockClass, LockSite? site = null, int? cpu = null, int? instance = null) =>
        _events.Count(e => e.Acquired && e.Class == lockClass && (site == null || e.Site == site) &&
                           (cpu == null || e.Cpu == cpu) && (instance == null || e.Instance == instance));

    /// <summary>Failed trylocks, narrowed like <see cref="Acquisitions"/>.</summary>
    public int FailedTrylocks(LockClass lockClass, LockSite? site = null, int? cpu = null, int? instance = null) =>
        _events.Count(e => !e.Acquired && e.Class == lockClass && (site == null || e.Site == site) &&
                           (cpu == null || e.Cpu == cpu) && (instance == null || e.Instance == instance));
}

/// <summary>
/// <see cref="DirectExecution"/>'s single-threaded semantics (a held lock makes a trylock fail and a
/// spin_lock throw, lockdep_assert_held() checks the entry point's CPU), recording every lock request, scheduling point
/// and entry point in a <see cref="LockLog"/>. The allocator copies the
/// struct; the copies share the log.
/// </summary>
public readonly struct CountingExecution : IExecution
{
    private readonly LockLog _log;

    public CountingExecution(LockLog log)
    {
        _log = log;
    }

    public void Lock(ref EmuSpinLock l, int cpu, LockSite site)
    {
        default(DirectExecution).Lock(ref l, cpu, site);
        _log.Add(new LockEvent(cpu, l.Class, l.Instance, site, LockAttempt.Lock));
    }

    public bool TryLock(ref EmuSpinLock l, int cpu, LockSite site)
    {
        var taken = default(DirectExecution).TryLock(ref l, cpu, site);
        _log.Add(new LockEvent(cpu, l.Class, l.Instance, site, taken ? LockAttempt.TryLockTaken : LockAttempt.TryLockFailed));
        return taken;
    }

    public void Unlock(ref EmuSpinLock l, int cpu)
    {
        default(DirectExecution).Unlock(ref l, cpu);
        _log.Released(l.Class, l.Instance, cpu);
    }

    public bool Lockdep => true;

    public void SharedRead(SharedLocation location, AccessSite site) => _log.Point(new PointEvent(false, location, site));

    public void SharedWrite(SharedLocation location, AccessSite site) => _log.Point(new PointEvent(true, location, site));

    public int CompareExchange(ref int target, int value, int comparand, SharedLocation location, AccessSite site)
    {
        _log.Point(new PointEvent(true, location, site));
        return default(DirectExecution).CompareExchange(ref target, value, comparand, location, site);
    }

    public int Exchange(ref int target, int value, SharedLocation location, AccessSite site)
    {
        _log.Point(new PointEvent(true, location, site));
        return default(DirectExecution).Exchange(ref target, value, location, site);
    }

    public void AssertHeld(ref EmuSpinLock l, string where) => default(DirectExecution).AssertHeld(ref l, where);

    public void OpBegin(int cpu, AllocatorOp op, long arg0, long arg1)
    {
        default(DirectExecution).OpBegin(cpu, op, arg0, arg1);
        _log.Begin(new OpEvent(cpu, op, arg0, arg1));
    }

    public void OpFolio(int cpu, long pfn, int order) => _log.Folio(cpu, pfn, order);

    public void OpEnd(int cpu, long result)
    {
        default(DirectExecution).OpEnd(cpu, result);
        _log.End();
    }

    public void Work(WorkKind kind, int units)
    {
    }
}
