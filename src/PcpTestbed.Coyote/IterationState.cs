using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using PcpTestbed.Model;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote;

/// <summary>
/// Everything one controlled iteration knows about its emulated CPUs, whichever controller schedules it (Coyote's or
/// our own, <see cref="IIterationController"/>): which operation each is in (so quiescent points are exact), which
/// locks each holds and waits for (so a deadlock is named, not just detected), how many scheduling steps each
/// operation took (so a livelock fails under every strategy), and the step log a trace file prints. The lock
/// semantics are here too, the same under both controllers and the same as on OS threads: spin_lock() takes a free
/// lock at once, even ahead of waiters; spin_trylock() fails while the lock is held or a CPU waits for it
/// (<see cref="EmuSpinLock.Waiters"/>, queued_spin_trylock() and the pending bit). Lockdep runs here always: every
/// lock_assert_held() checks the current CPU, every spin_lock while holding another lock adds to the exploration's
/// lock-order graph (an inversion fails the iteration), and a lock-elision run pretends to take the elided lock. A
/// controlled iteration runs one CPU thread at a time, so plain fields are enough; the step log alone takes a lock,
/// because the engine's caller reads it after the run while interrupted threads unwind.
/// </summary>
internal sealed class IterationState
{
    /// <summary>Failed attempts (CAS failures and yields) one spin_lock() may make before the iteration fails.</summary>
    public const int SpinBudget = 10_000;

    /// <summary>
    /// Scheduling steps one operation of one CPU may take by default. The catalogue's operations take well under a hundred;
    /// a scenario with large PCPs sets its own (<see cref="ScenarioConfig.OpStepBudget"/>).
    /// </summary>
    public const int DefaultOpStepBudget = 5_000;

    /// <summary>Scheduling steps one operation of one CPU may take in this iteration.</summary>
    public int OpStepBudget { get; init; } = DefaultOpStepBudget;

    /// <summary>Injected interrupts, landed by the controller as stalls (Coyote's: <see cref="CoyoteController"/>), or null.</summary>
    public InterruptStall? Interrupts { get; init; }

    [ThreadStatic]
    private static int t_cpuPlusOne;

    private readonly object _logGate = new();
    private readonly List<StepRecord> _steps = [];

    /// <summary>The steps before <see cref="_steps"/>: a restored setup's (<see cref="RestoreLog"/>), shared with the iterations that restore it and never written.</summary>
    private StepRecord[] _restoredSteps = [];
    private readonly List<string> _ops = [];
    private readonly int[] _currentOp; // per CPU: index into _ops, -1 between operations
    private readonly int[] _opSteps; // per CPU: scheduling steps inside the current operation
    private readonly bool[] _scenarioWaiting; // per CPU: at a scenario's wait point (ScenarioWaitPoint), not counted in _opSteps
    private readonly int[] _waitFor; // per CPU: the CPU holding the lock it waits for, -1
    private readonly (LockClass Class, int Instance, LockSite Site)[] _waitLock;
    private readonly bool[] _finished;
    private readonly List<HeldLock>[] _held;
    private readonly List<HeldLock>[] _elided; // per CPU: acquisitions at the elided site, not really taken
    private readonly LockOrderGraph _order;
    private readonly CoverageRecorder _coverage;
    private readonly LockElision? _elision;
    private readonly bool _checkOrder;
    private readonly IIterationController _controller;
    private int _inOps;
    private bool _closed;

    public IterationState(int cpus, IIterationController controller, LockOrderGraph order, CoverageRecorder coverage, LockElision? elision, bool checkOrder)
    {
        Cpus = cpus;
        _controller = controller;
        _order = order;
        _coverage = coverage;
        _elision = elision;
        _checkOrder = checkOrder;
        coverage.BeginIteration();
        _currentOp = new int[cpus];
        _opSteps = new int[cpus];
        _scenarioWaiting = new bool[cpus];
        _waitFor = new int[cpus];
        _waitLock = new (LockClass, int, LockSite)[cpus];
        _finished = new bool[cpus];
        _held = new List<HeldLock>[cpus];
        _elided = new List<HeldLock>[cpus];
        for (var cpu = 0; cpu < cpus; cpu++)
        {
            _currentOp[cpu] = -1;
            _waitFor[cpu] = -1;
            _held[cpu] = [];
            _elided[cpu] = [];
        }
    }

    public int Cpus { get; }

    /// <summary>
    /// False during a scenario's setup: setup runs alone on the test body before any CPU thread exists, so
    /// its steps would offer Coyote no choice; skipping them keeps iterations short and traces small.
    /// </summary>
    public bool Scheduling { get; set; }

    /// <summary>Steps the setup took (they come first in <see cref="ReadableSteps"/>; the scripts' follow).</summary>
    public int SetupSteps { get; set; }

    /// <summary>The first violation this iteration reported, verbatim as the controller records it.</summary>
    public string? Violation { get; private set; }

    /// <summary>
    /// The <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> after which the iteration ends at the next operation's start
    /// (setup's or a CPU's), or 0 for none: an exploration's time limit holds inside a long iteration too, not only between
    /// iterations (a reproduction's window of 80,895 operations once ran 300 s without ending one).
    /// </summary>
    public long Deadline { get; init; }

    /// <summary>The iteration was ended by <see cref="Deadline"/>: its "violation" is the time limit, not a finding.</summary>
    public bool OutOfTime { get; private set; }

    /// <summary>
    /// The iteration ran its scripts and its end checks without a violation. False with no <see cref="Violation"/> once it has
    /// ended: Coyote cut it with a report of its own (a step bound, a deadlock it detected, an unhandled exception).
    /// </summary>
    public bool Passed { get; set; }

    /// <summary>The violation text of an iteration ended by its time limit.</summary>
    private const string OutOfTimeMessage = "[time-limit] the exploration's time limit ran out inside an iteration";

    /// <summary>Called at every quiescent point (no CPU inside an operation) with a description of where.</summary>
    public Action<string>? OnQuiescent { get; set; }

    /// <summary>The emulated CPU the calling thread is running as.</summary>
    public static int CurrentCpu => t_cpuPlusOne - 1;

    public bool IsQuiescent => _inOps == 0;

    /// <summary>The calling thread runs <paramref name="cpu"/>'s script from now on (before its first operation too).</summary>
    public static void EnterCpu(int cpu) => t_cpuPlusOne = cpu + 1;

    /// <summary>Whether <paramref name="cpu"/> found a lock held in spin_lock() and waits for it (<see cref="WaitedLock"/>).</summary>
    public bool IsWaiting(int cpu) => _waitFor[cpu] >= 0;

    /// <summary>The lock <paramref name="cpu"/> waits for, while <see cref="IsWaiting"/>.</summary>
    public (LockClass Class, int Instance) WaitedLock(int cpu) => (_waitLock[cpu].Class, _waitLock[cpu].Instance);

    /// <summary>The locks <paramref name="cpu"/> holds, one bit each (<see cref="Dfs.Footprint.LockBit"/>).</summary>
    public long HeldMask(int cpu)
    {
        var mask = 0L;
        foreach (var h in _held[cpu])
        {
            mask |= Dfs.Footprint.LockBit(h.Class, h.Instance);
        }

        return mask;
    }

    /// <summary>Whether <paramref name="cpu"/> holds zone->lock (really), where no interrupt lands (spin_lock_irqsave()).</summary>
    public bool HoldsZoneLock(int cpu) => _held[cpu].Exists(h => h.Class == LockClass.Zone);

    /// <summary>Whether some CPU holds the lock instance (really: an elided acquisition holds nothing).</summary>
    public bool IsHeld(LockClass c, int instance) => HolderOf(c, instance) >= 0;

    // ---- operations and quiescent points -------------------------------------------------------------

    /// <summary>Marks <paramref name="cpu"/> as inside an operation. Returns the operation's index.</summary>
    public int BeginOp(int cpu, string description)
    {
        t_cpuPlusOne = cpu + 1;
        if (Scheduling)
        {
            _controller.Point(this, cpu, PendingStep.OpBegin);
        }

        if (Deadline != 0 && System.Diagnostics.Stopwatch.GetTimestamp() > Deadline)
        {
            OutOfTime = true;
            Fail(OutOfTimeMessage);
        }

        if (_currentOp[cpu] >= 0)
        {
            Fail($"[scenario] CPU {cpu} starts {description} while still inside {_ops[_currentOp[cpu]]}");
        }

        int index;
        lock (_logGate)
        {
            index = _ops.Count;
            _ops.Add(description);
        }

        _currentOp[cpu] = index;
        _opSteps[cpu] = 0;
        _inOps++;
        Record(new StepRecord(cpu, StepKind.OpBegin, index));
        return index;
    }

    /// <summary>
    /// Ends <paramref name="cpu"/>'s operation: it must hold no lock now. If no other CPU is inside an operation,
    /// this is a quiescent point and the auditor runs (no scheduling point intervenes, so the check is exact).
    /// </summary>
    public void EndOp(int cpu, int result)
    {
        if (Scheduling)
        {
            _controller.Point(this, cpu, PendingStep.OpEnd);
        }

        var index = _currentOp[cpu];
        if (_held[cpu].Count > 0)
        {
            Fail("[lockdep] " + LockdepReports.HeldAtReturn(cpu, _held[cpu][0], _ops[index]));
        }

        Record(new StepRecord(cpu, StepKind.OpEnd, index, Value: result));
        _currentOp[cpu] = -1;
        _inOps--;
        // Setup is audited once, at its end: it is a single sequence with nothing to interleave.
        if (_inOps == 0 && Scheduling)
        {
            Record(new StepRecord(cpu, StepKind.Audit, index));
            OnQuiescent?.Invoke($"after CPU {cpu}'s {_ops[index]}");
        }
    }

    /// <summary>A CPU's script ended. A lock it still held can never be released.</summary>
    public void FinishCpu(int cpu)
    {
        _finished[cpu] = true;
        if (_held[cpu].Count > 0)
        {
            var held = _held[cpu][0];
            Fail($"[lockdep] CPU {cpu} finished its script holding {held.Name} taken at {LockSites.KernelName(held.Site)}");
        }
    }

    public string OperationOf(int cpu) => _currentOp[cpu] >= 0 ? _ops[_currentOp[cpu]] : "(between operations)";

    // ---- failures -------------------------------------------------------------------------------------

    /// <summary>
    /// Reports a violation and ends the iteration: the first one is kept verbatim, the step log closes, and the
    /// controller stops every CPU thread. Never returns.
    /// </summary>
    [DoesNotReturn]
    public void Fail(string message)
    {
        if (Violation == null)
        {
            Violation = message;
            lock (_logGate)
            {
                _closed = true;
            }
        }

        _controller.Fail(message);
    }

    // ---- the execution seam -----------------------------------------------------------------------------

    public void Lock(ref EmuSpinLock l, int cpu, LockSite site)
    {
        CheckOrder(cpu, ref l, site);
        if (Elides(ref l, site))
        {
            Elide(ref l, cpu, site);
            return;
        }

        if (!Scheduling)
        {
            TakeUncontended(ref l, cpu, site);
            return;
        }

        var attempts = 0;
        var waiting = false;
        while (true)
        {
            _controller.Point(this, cpu, PendingStep.OnLock(PointKind.Lock, l.Class, l.Instance, site));

            // A successful CAS from 0 reserves the lock for this CPU. Like queued_spin_lock()'s fast path, and as on OS
            // threads, it does not look at waiters: a new spin_lock() may take a free lock ahead of them.
            if (Interlocked.CompareExchange(ref l.State, cpu + 1, 0) == 0)
            {
                if (waiting)
                {
                    l.Waiters--;
                }

                Took(ref l, cpu, site, StepKind.Lock);
                _waitFor[cpu] = -1;
                return;
            }

            var holder = l.HolderCpu;
            if (holder == cpu)
            {
                Fail($"[liveness] operation never completes: CPU {cpu} spins on {LockName(l)} at {LockSites.KernelName(site)}, " +
                     $"which it already holds since {LockSites.KernelName(l.HoldSite)} (a recursive spin_lock)");
            }

            if (!waiting)
            {
                // From here until it holds the lock, spin_trylock() fails for every CPU (qspinlock's pending bit).
                waiting = true;
                l.Waiters++;
                Record(new StepRecord(cpu, StepKind.LockWait, _currentOp[cpu], l.Class, l.Instance, site, holder));
            }

            _waitFor[cpu] = holder;
            _waitLock[cpu] = (l.Class, l.Instance, site);
            _controller.AwaitRelease(this, cpu, ref l, site, ref attempts);
        }
    }

    public bool TryLock(ref EmuSpinLock l, int cpu, LockSite site)
    {
        if (Elides(ref l, site))
        {
            Elide(ref l, cpu, site);
            return true;
        }

        if (!Scheduling)
        {
            if (l.State != 0)
            {
                return false;
            }

            TakeUncontended(ref l, cpu, site);
            return true;
        }

        _controller.Point(this, cpu, PendingStep.OnLock(PointKind.TryLock, l.Class, l.Instance, site));

        // queued_spin_trylock(): fails on a non-zero lock word, which a waiter's pending bit makes non-zero even while the
        // lock is free. Otherwise the CAS from 0 reserves the lock for this CPU.
        if (l.Waiters == 0 && Interlocked.CompareExchange(ref l.State, cpu + 1, 0) == 0)
        {
            Took(ref l, cpu, site, StepKind.TryLockTaken);
            return true;
        }

        Record(new StepRecord(cpu, StepKind.TryLockFailed, _currentOp[cpu], l.Class, l.Instance, site, l.HolderCpu, WaiterOf(l.Class, l.Instance)));
        return false;
    }

    public void Unlock(ref EmuSpinLock l, int cpu)
    {
        if (_elision != null && Find(_elided[cpu], l.Class, l.Instance) is { } elided)
        {
            // The acquisition was elided: so is its release.
            if (Scheduling)
            {
                _controller.Point(this, cpu, PendingStep.OnLock(PointKind.UnlockElided, l.Class, l.Instance, elided.Site));
            }

            Remove(_elided[cpu], l.Class, l.Instance);
            if (Scheduling)
            {
                Record(new StepRecord(cpu, StepKind.UnlockElided, _currentOp[cpu], l.Class, l.Instance, elided.Site));
                _controller.Point(this, cpu, PendingStep.OnLock(PointKind.AfterUnlock, l.Class, l.Instance, elided.Site));
            }

            return;
        }

        if (Scheduling)
        {
            _controller.Point(this, cpu, PendingStep.OnLock(PointKind.Unlock, l.Class, l.Instance, l.HoldSite));
        }

        if (l.State != cpu + 1)
        {
            Fail($"[lockdep] CPU {cpu} releases {LockName(l)} held by {(l.State == 0 ? "nobody" : $"CPU {l.HolderCpu}")} in {OperationOf(cpu)}");
        }

        Remove(_held[cpu], l.Class, l.Instance);

        // Publishes everything written under the lock.
        Volatile.Write(ref l.State, 0);
        if (!Scheduling)
        {
            return;
        }

        Record(new StepRecord(cpu, StepKind.Unlock, _currentOp[cpu], l.Class, l.Instance, l.HoldSite));
        _controller.Released(l.Class, l.Instance);
        _controller.Point(this, cpu, PendingStep.OnLock(PointKind.AfterUnlock, l.Class, l.Instance, l.HoldSite));
    }

    public void SharedRead(SharedLocation location, AccessSite site)
    {
        if (!Scheduling)
        {
            return;
        }

        var cpu = CurrentCpu;
        _controller.Point(this, cpu, PendingStep.OnLocation(PointKind.Read, location, site));
        Record(new StepRecord(cpu, StepKind.Read, OpOf(cpu), Location: location, Access: site));
    }

    public void SharedWrite(SharedLocation location, AccessSite site)
    {
        if (!Scheduling)
        {
            return;
        }

        var cpu = CurrentCpu;
        _controller.Point(this, cpu, PendingStep.OnLocation(PointKind.Write, location, site));
        Record(new StepRecord(cpu, StepKind.Write, OpOf(cpu), Location: location, Access: site));
    }

    public int CompareExchange(ref int target, int value, int comparand, SharedLocation location, AccessSite site)
    {
        var cpu = CurrentCpu;
        if (Scheduling)
        {
            _controller.Point(this, cpu, PendingStep.OnLocation(PointKind.CompareExchange, location, site));
        }

        var seen = Interlocked.CompareExchange(ref target, value, comparand);
        if (Scheduling)
        {
            Record(new StepRecord(cpu, StepKind.CompareExchange, OpOf(cpu), Value: seen, Value2: comparand, Location: location, Access: site));
        }

        return seen;
    }

    public int Exchange(ref int target, int value, SharedLocation location, AccessSite site)
    {
        var cpu = CurrentCpu;
        if (Scheduling)
        {
            _controller.Point(this, cpu, PendingStep.OnLocation(PointKind.Exchange, location, site));
        }

        var old = Interlocked.Exchange(ref target, value);
        if (Scheduling)
        {
            Record(new StepRecord(cpu, StepKind.Exchange, OpOf(cpu), Value: old, Value2: value, Location: location, Access: site));
        }

        return old;
    }

    /// <summary>
    /// lockdep_assert_held(): the current CPU holds <paramref name="l"/> (or, in a lock-elision run, pretends to).
    /// Throws <see cref="LockdepException"/>, which fails the iteration as "[lockdep] ...".
    /// </summary>
    public void AssertHeld(ref EmuSpinLock l, string where)
    {
        var cpu = CurrentCpu;
        if (cpu < 0 || cpu >= Cpus ? l.State != 0 : l.State == cpu + 1 || Find(_elided[cpu], l.Class, l.Instance) is not null)
        {
            return;
        }

        throw new LockdepException(LockdepReports.NotHeld(l, cpu, where));
    }

    // ---- the step log ------------------------------------------------------------------------------------

    /// <summary>The recorded steps, readable. Safe to call after the engine stopped.</summary>
    public IReadOnlyList<TraceStep> ReadableSteps()
    {
        StepRecord[] steps;
        string[] ops;
        lock (_logGate)
        {
            steps = [.. _restoredSteps, .. _steps];
            ops = [.. _ops];
        }

        var result = new List<TraceStep>(steps.Length);
        for (var i = 0; i < steps.Length; i++)
        {
            var s = steps[i];
            var op = s.OpIndex >= 0 && s.OpIndex < ops.Length ? ops[s.OpIndex] : "(between operations)";
            result.Add(new TraceStep(i + 1, s.Cpu, op, Describe(s), SiteOf(s)));
        }

        return result;
    }

    public int StepCount
    {
        get
        {
            lock (_logGate)
            {
                return _restoredSteps.Length + _steps.Count;
            }
        }
    }

    /// <summary>A copy of the steps and operations recorded so far (setup's, at its end).</summary>
    public StepLog SaveLog()
    {
        lock (_logGate)
        {
            return new StepLog([.. _restoredSteps, .. _steps], [.. _ops]);
        }
    }

    /// <summary>
    /// The log <paramref name="log"/> (<see cref="SaveLog"/> of an earlier iteration's setup) as this fresh iteration's first
    /// steps, for a setup restored instead of run: the steps and operations setup would have recorded, at the same indices.
    /// The steps are not copied (a setup of 40,000 operations records 80,000; the array is shared and never written). Coverage
    /// is not noted again (setup's steps were noted once, by the iteration that ran it).
    /// </summary>
    public void RestoreLog(StepLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        lock (_logGate)
        {
            if (_steps.Count != 0 || _restoredSteps.Length != 0 || _ops.Count != 0 || Scheduling)
            {
                throw new InvalidOperationException("a setup log is restored into a fresh iteration only, before its scripts run");
            }

            _restoredSteps = log.Steps;
            _ops.EnsureCapacity(log.Ops.Length + 1024);
            _ops.AddRange(log.Ops);
        }
    }

    private void Record(in StepRecord step)
    {
        lock (_logGate)
        {
            if (!_closed)
            {
                _steps.Add(step);
                _coverage.Note(step);
            }
        }
    }

    private static string Describe(in StepRecord s) => s.Kind switch
    {
        StepKind.Read => $"read {s.Location.Name}",
        StepKind.Write => $"write {s.Location.Name}",
        StepKind.LockElided => $"lock {LockName(s.Class, s.Instance)} elided (as if taken)",
        StepKind.UnlockElided => $"unlock {LockName(s.Class, s.Instance)} elided",
        StepKind.OpBegin => "begin",
        StepKind.OpEnd => s.Value >= 0 ? $"end (returned {FormatResult(s.Value)})" : "end",
        StepKind.Lock => $"lock {LockName(s.Class, s.Instance)}",
        StepKind.LockWait => $"wait for {LockName(s.Class, s.Instance)} held by CPU {s.Value}",
        StepKind.TryLockTaken => $"trylock {LockName(s.Class, s.Instance)} taken",
        StepKind.TryLockFailed => s.Value >= 0
            ? $"trylock {LockName(s.Class, s.Instance)} failed (held by CPU {s.Value})"
            : $"trylock {LockName(s.Class, s.Instance)} failed (CPU {s.Value2} waits for it in spin_lock)",
        StepKind.Unlock => $"unlock {LockName(s.Class, s.Instance)}",
        StepKind.CompareExchange => s.Value == s.Value2
            ? $"cmpxchg {s.Location.Name} succeeded (saw {s.Value})"
            : $"cmpxchg {s.Location.Name} failed (saw {s.Value}, expected {s.Value2})",
        StepKind.Exchange => $"xchg {s.Location.Name} {s.Value} -> {s.Value2}",
        StepKind.Audit => "quiescent point: audit",
        _ => s.Kind.ToString(),
    };

    private static string FormatResult(int value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);

    private static string SiteOf(in StepRecord s) =>
        s.IsLockStep ? LockSites.KernelName(s.Site) : s.IsAccessStep ? AccessSites.Name(s.Access) : "";

    // ---- internals ------------------------------------------------------------------------------------------

    private int OpOf(int cpu) => cpu >= 0 && cpu < Cpus ? _currentOp[cpu] : -1;

    /// <summary>
    /// lockdep's checks when <paramref name="cpu"/> is about to spin on <paramref name="l"/>: a lock of the same class
    /// already held is possible recursive locking; a new nesting of two classes must not close a cycle in the
    /// exploration's lock-order graph. Either fails the iteration, deadlock or not.
    /// </summary>
    private void CheckOrder(int cpu, ref EmuSpinLock l, LockSite site)
    {
        if (!_checkOrder)
        {
            return;
        }

        foreach (var held in _held[cpu])
        {
            if (held.Class == l.Class)
            {
                if (held.Instance != l.Instance)
                {
                    Fail("[lockdep] " + LockdepReports.Recursive(cpu, held, l.Class, l.Instance, site));
                }

                // The same instance: a self-deadlock, which the lock reports itself.
                continue;
            }

            if (_order.Record(cpu, held, l.Class, l.Instance, site) is { } circular)
            {
                Fail("[lockdep] " + circular);
            }
        }
    }

    private bool Elides(ref EmuSpinLock l, LockSite site) => _elision is { } e && e.Class == l.Class && e.Site == site;

    /// <summary>An acquisition at the elided site: a scheduling point as the real one is, then nothing taken.</summary>
    private void Elide(ref EmuSpinLock l, int cpu, LockSite site)
    {
        if (Scheduling)
        {
            _controller.Point(this, cpu, PendingStep.OnLock(PointKind.LockElided, l.Class, l.Instance, site));
        }

        _elided[cpu].Add(new HeldLock(l.Class, l.Instance, site));
        if (Scheduling)
        {
            Record(new StepRecord(cpu, StepKind.LockElided, _currentOp[cpu], l.Class, l.Instance, site));
        }
    }

    private static HeldLock? Remove(List<HeldLock> locks, LockClass c, int instance)
    {
        for (var i = locks.Count - 1; i >= 0; i--)
        {
            if (locks[i].Class == c && locks[i].Instance == instance)
            {
                var held = locks[i];
                locks.RemoveAt(i);
                return held;
            }
        }

        return null;
    }

    private static HeldLock? Find(List<HeldLock> locks, LockClass c, int instance)
    {
        foreach (var h in locks)
        {
            if (h.Class == c && h.Instance == instance)
            {
                return h;
            }
        }

        return null;
    }

    /// <summary>The scheduling steps <paramref name="cpu"/> has taken in its current operation (a waiter's progress test).</summary>
    public int OpSteps(int cpu) => _opSteps[cpu];

    /// <summary>
    /// A point at which scenario code waits for what the run guaranteed (a death for its victim, a free for its page's
    /// allocation, an online for its death): the controller's wait (<see cref="IIterationController.AwaitScenario"/>), not
    /// counted against the waiting CPU's operation step budget, which bounds the design's work, not the scenario's waits
    /// (each has its own bound). Counted, a reproduction's waits between operations piled onto the budget of the operation
    /// before them, and a driver's death that waited long failed as "[liveness] ... 65536 scheduling steps in
    /// page_alloc_cpu_dead" (2026-12-07, owner-tag-cleared-before-unlink files). Whether to check again: false when no
    /// other CPU can run, so what the wait waits for can never come.
    /// </summary>
    public bool ScenarioWaitPoint(SharedLocation location)
    {
        var cpu = CurrentCpu;
        _scenarioWaiting[cpu] = true;
        var again = _controller.AwaitScenario(this, cpu, location);
        _scenarioWaiting[cpu] = false;
        return again;
    }

    /// <summary>A script's operation ended: the scenario's waiters check again (<see cref="IIterationController.ScenarioChanged"/>).</summary>
    public void ScenarioChanged() => _controller.ScenarioChanged();

    /// <summary>A scheduling point of <paramref name="cpu"/>'s, counted against its operation's step budget (not at a <see cref="ScenarioWaitPoint"/>).</summary>
    public void CountStep(int cpu)
    {
        if (cpu >= 0 && cpu < Cpus && !_scenarioWaiting[cpu] && ++_opSteps[cpu] > OpStepBudget)
        {
            Fail($"[liveness] operation never completes: CPU {cpu} took {OpStepBudget} scheduling steps in {OperationOf(cpu)}");
        }
    }

    private void Took(ref EmuSpinLock l, int cpu, LockSite site, StepKind kind)
    {
        l.LastHolder = cpu + 1;
        l.HoldSite = site;
        _held[cpu].Add(new HeldLock(l.Class, l.Instance, site));
        Record(new StepRecord(cpu, kind, _currentOp[cpu], l.Class, l.Instance, site));
    }

    private void TakeUncontended(ref EmuSpinLock l, int cpu, LockSite site)
    {
        if (Interlocked.CompareExchange(ref l.State, cpu + 1, 0) != 0)
        {
            Fail($"[scenario] setup: CPU {cpu} finds {LockName(l)} held by CPU {l.HolderCpu} at {LockSites.KernelName(site)} before any CPU runs");
        }

        l.LastHolder = cpu + 1;
        l.HoldSite = site;
        _held[cpu].Add(new HeldLock(l.Class, l.Instance, site));
    }

    /// <summary>
    /// Before <paramref name="cpu"/> waits for <paramref name="l"/>: follows the wait-for chain from the lock's holder
    /// (each CPU on it waits for a lock whose current holder is the next). A chain that comes back to this CPU is a
    /// deadlock, and a holder whose script has ended will never release; both fail now with the locks and call sites
    /// named. A lock on the chain that is free right now ends it: its waiter can run.
    /// </summary>
    public void CheckWaitChain(int cpu, ref EmuSpinLock l, LockSite site)
    {
        var holder = l.HolderCpu;
        var m = holder;
        for (var hops = 0; m >= 0 && hops <= Cpus; hops++)
        {
            if (_finished[m])
            {
                Fail($"[liveness] operation never completes: {DescribeChain(cpu, holder, l.Class, l.Instance, l.HoldSite, site, m, includeLast: false)}; " +
                     $"CPU {m} finished its script without releasing it");
            }

            if (_waitFor[m] < 0)
            {
                break;
            }

            var (c, instance, _) = _waitLock[m];
            var next = HolderOf(c, instance);
            if (next < 0)
            {
                break;
            }

            if (next == cpu)
            {
                Fail($"[liveness] operation never completes: {DescribeChain(cpu, holder, l.Class, l.Instance, l.HoldSite, site, m, includeLast: true)} (a deadlock)");
            }

            m = next;
        }
    }

    /// <summary>
    /// The text of <see cref="CheckWaitChain"/>'s failure, built only when it fails (the walk runs at every wait): the same
    /// walk from the lock's holder, one clause per CPU on the chain up to <paramref name="last"/>.
    /// </summary>
    private string DescribeChain(int cpu, int holder, LockClass lockClass, int lockInstance, LockSite holdSite, LockSite site, int last, bool includeLast)
    {
        var chain = new System.Text.StringBuilder(
            $"CPU {cpu} spins on {LockName(lockClass, lockInstance)} held by CPU {holder} at {LockSites.KernelName(holdSite)} " +
            $"(waiting in {LockSites.KernelName(site)}, {OperationOf(cpu)})");
        for (var m = holder; m >= 0 && (m != last || includeLast);)
        {
            var (c, instance, waitSite) = _waitLock[m];
            var next = HolderOf(c, instance);
            chain.Append($"; CPU {m} waits for {LockName(c, instance)} held by CPU {next} (in {LockSites.KernelName(waitSite)})");
            if (m == last)
            {
                break;
            }

            m = next;
        }

        return chain.ToString();
    }

    /// <summary>
    /// What every unfinished CPU waits for, when none can run: "CPU 0 waits for pcp->lock#1 held by CPU 1 (in
    /// drain_pages_zone); ...". Under our scheduler the chain check finds every cycle first; this names what is left.
    /// </summary>
    public string DescribeWaits()
    {
        var parts = new List<string>();
        for (var cpu = 0; cpu < Cpus; cpu++)
        {
            if (_waitFor[cpu] >= 0)
            {
                var (c, instance, site) = _waitLock[cpu];
                var holder = HolderOf(c, instance);
                parts.Add($"CPU {cpu} waits for {LockName(c, instance)} {(holder >= 0 ? $"held by CPU {holder}" : "(free)")} (in {LockSites.KernelName(site)}, {OperationOf(cpu)})");
            }
        }

        return parts.Count == 0 ? "no CPU waits for a lock" : string.Join("; ", parts);
    }

    /// <summary>The CPU holding the lock instance, or -1.</summary>
    private int HolderOf(LockClass c, int instance)
    {
        for (var cpu = 0; cpu < Cpus; cpu++)
        {
            if (Find(_held[cpu], c, instance) is not null)
            {
                return cpu;
            }
        }

        return -1;
    }

    /// <summary>A CPU waiting in spin_lock() for the lock instance, or -1.</summary>
    private int WaiterOf(LockClass c, int instance)
    {
        for (var cpu = 0; cpu < Cpus; cpu++)
        {
            if (_waitFor[cpu] >= 0 && _waitLock[cpu].Class == c && _waitLock[cpu].Instance == instance)
            {
                return cpu;
            }
        }

        return -1;
    }

    private static string LockName(in EmuSpinLock l) => LockName(l.Class, l.Instance);

    private static string LockName(LockClass c, int instance) => LockClasses.InstanceName(c, instance);
}
