using PcpTestbed.Execution.Clocks;
using PcpTestbed.Execution.Cpus;
using PcpTestbed.Model;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Virtual;

/// <summary>
/// The virtual-time engine: N emulated CPUs on one host thread, run in virtual-time order, charged from a
/// <see cref="CostModel"/>. The same allocator code runs on it through <see cref="VirtualExecution{TProbe}"/>.
/// </summary>
/// <remarks>
/// <para>
/// <b>Mechanism.</b> Every CPU has a virtual clock in whole picoseconds. <see cref="Run"/> repeatedly takes the
/// runnable CPU with the earliest clock (ties to the lower CPU id) and runs one step of it to completion: normally one
/// allocator call, with the workload's own per-page work charged through <see cref="Charge"/>. Each seam operation in
/// the step charges its cost to that CPU's clock: lock, trylock, unlock, cmpxchg, the list operations and merge steps
/// done under the lock (the PCP list helpers report theirs through <see cref="IExecution.Work"/>; zone->lock's are
/// read from <see cref="Zone.Work"/>), the entry path of alloc_pages() and __free_pages(), and the cache lines that
/// move between CPUs. Steps are atomic: no other CPU runs inside one, so the model's state changes in step order,
/// which is the order of the steps' start times. A step switches no host thread, so a step costs about as much as
/// the allocator call itself.
/// </para>
/// <para>
/// <b>Locks.</b> Each lock keeps a timeline of its recent holds, each busy over [busy, release), disjoint and in
/// order. A spin_lock() asked for at t is granted at max(t, the end of the newest recorded hold): holds are
/// serialized in the order their steps ran, no lock is ever held twice at once, and every critical section comes
/// after every one whose effects it saw. A grant later than t is a contention: the waiter holds the lock at the
/// previous release plus the handover (<see cref="CostConstant.LockHandoverNs"/> and the lock's cache lines), and
/// the lock counts as busy through the handover, as qspinlock's queued waiters keep the lock word set. So waiters are
/// handed the lock in FIFO order of arrival whenever the steps reach it in the order they run. A spin_trylock() at t
/// fails exactly when a recorded hold is busy at t, and succeeds at t when t is past every recorded hold.
/// </para>
/// <para>
/// <b>Approximation.</b> A step that runs earlier can reach a lock later in virtual time than a step that runs after
/// it: both started before the other reached the lock, and the earlier one did more work first. The later-run step
/// then finds a recorded hold lying after its own request. Exact semantics would serve the earlier request first and
/// delay that hold; a step that has run cannot be rewritten, so the engine keeps the recorded hold where it is:
/// <list type="bullet">
/// <item>a spin_lock() asked for at t waits behind every recorded hold, including any asked for after t. Counted as
/// an out-of-order grant, with how much later than arrival order it was granted (its grant minus the end of the last
/// hold asked for before it): <see cref="VirtualLockStats.OutOfOrderGrants"/>, <see cref="VirtualLockStats.OutOfOrderDelayNs"/>;</item>
/// <item>a spin_trylock() at t that finds the lock free, but before a recorded hold, succeeds, with its hold placed
/// after the recorded ones. Counted as a deferred trylock, with the deferral: <see cref="VirtualLockStats.DeferredTrylocks"/>,
/// <see cref="VirtualLockStats.DeferredTrylockDelayNs"/>.</item>
/// </list>
/// Both keep mutual exclusion and the order in which critical sections saw each other's effects; what differs from
/// exact semantics is which CPU waited, and for how long. <see cref="LockStats"/> reports both per lock class. Also
/// approximated, and not counted: state read without a lock (READ_ONCE counters and flags, racy checks, a
/// cmpxchg's target) is read in step order, not in virtual-time order, so a step may see a write that virtual time
/// places after its read. Keep steps small (one allocator call) to keep both rare.
/// </para>
/// <para>
/// <b>Steps and quiescent points.</b> A step must release every lock it takes. Between two steps every CPU is
/// quiescent, so coordinator actions (<see cref="At"/>, <see cref="Every"/>: audits, faults) run there, once the
/// earliest CPU's clock has reached their time; inside one, <see cref="TakeOffline"/>, <see cref="BringOnline"/>,
/// <see cref="RunAs"/> (work done as a CPU, e.g. page_alloc_cpu_dead() on a survivor) and <see cref="Stop"/> act at
/// that time. A step that charges nothing is charged 1 ns, so time always moves.
/// </para>
/// <para>
/// <b>Outside a step</b> (a run's set-up, the release after it, a coordinator action that does not use
/// <see cref="RunAs"/>) seam operations are untimed: nothing is charged or recorded, locks behave as in
/// <see cref="DirectExecution"/>, and the lock probe still sees them.
/// </para>
/// <para>
/// <b>Determinism and memory.</b> Integer picoseconds, a fixed tie-break, no host clock and nothing keyed by an
/// address: the same steps and cost model give the same clocks and counts on any host. Per CPU the machine keeps a
/// clock, a state, a step count, a queue slot and its pcp->lock's timeline; a lock's timeline holds at most the holds
/// of each CPU's latest step. Nothing per page.
/// </para>
/// </remarks>
public sealed partial class VirtualMachine : IEngineClock
{
    /// <summary>What a step that charged nothing costs, so the earliest CPU always moves on.</summary>
    public const long EmptyStepPs = 1000;

    private readonly CostTable _cost;
    private readonly long[] _clockPs;
    private readonly VirtualCpuState[] _state;
    private readonly long[] _steps;
    private readonly CpuQueue _queue;
    private readonly List<VirtualEvent> _events = [];
    private readonly Zone? _zone;
    private long _eventSequence;
    private long _emptySteps;

    /// <summary>The running CPU (a step or <see cref="RunAs"/>), or -1 between steps.</summary>
    private int _current = -1;

    /// <summary>No CPU can ask for a lock earlier than this any more: holds released by then are pruned.</summary>
    private long _pruneBeforePs;

    /// <summary>The machine's time: the running step's start, the running coordinator action's time, or where the run stopped.</summary>
    private long _nowPs;

    private bool _running;
    private bool _stopRequested;

    /// <param name="cpus">Emulated CPUs, each with a pcp->lock instance of the same number.</param>
    /// <param name="cost">What every operation costs.</param>
    /// <param name="zone">The zone whose work under zone->lock (<see cref="Zone.Work"/>) is charged; null charges none.</param>
    public VirtualMachine(int cpus, CostModel cost, Zone? zone = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cpus, 1);
        ArgumentNullException.ThrowIfNull(cost);
        CpuCount = cpus;
        CostModel = cost;
        _cost = new CostTable(cost);
        _zone = zone;
        _clockPs = new long[cpus];
        _state = new VirtualCpuState[cpus];
        _steps = new long[cpus];
        _queue = new CpuQueue(_clockPs);
        _pcpLocks = new LockTimeline[cpus];
        for (var cpu = 0; cpu < cpus; cpu++)
        {
            _pcpLocks[cpu] = new LockTimeline();
            _queue.Insert(cpu);
        }

        if (zone != null)
        {
            _zoneSeen = zone.Work;
        }
    }

    public int CpuCount { get; }

    public CostModel CostModel { get; }

    public bool IsVirtual => true;

    /// <summary>The machine's time: while a step runs, its start (every CPU has reached it); in a coordinator action, the action's time.</summary>
    public long ElapsedNs => _nowPs / 1000;

    /// <summary>Steps that charged nothing and were charged <see cref="EmptyStepPs"/> (idle steps: worth charging real idle time instead).</summary>
    public long EmptySteps => _emptySteps;

    /// <summary>The CPU running a step (or <see cref="RunAs"/>), or -1.</summary>
    public int CurrentCpu => _current;

    public long NowNs(int cpu) => _clockPs[cpu] / 1000;

    /// <summary><paramref name="cpu"/>'s virtual clock in ps: the engine's own resolution.</summary>
    public long NowPs(int cpu) => _clockPs[cpu];

    public VirtualCpuState State(int cpu) => _state[cpu];

    /// <summary>
    /// Runs steps, earliest clock first, until every CPU is finished, the budget (<see cref="RunLimit.OperationsPerCpu"/>:
    /// steps per CPU) is spent, the earliest clock reaches the run's start plus <see cref="RunLimit.Duration"/> (virtual
    /// time), or <see cref="Stop"/>. A CPU whose <paramref name="step"/> returns false is finished. A machine can run
    /// again: finished CPUs are runnable at the start of the next run; clocks, lock timelines and statistics go on.
    /// </summary>
    /// <exception cref="InvalidOperationException">A step ended holding a lock, or the model acted as a CPU other than the running one.</exception>
    public VirtualRunResult Run(Func<int, bool> step, RunLimit limit)
    {
        ArgumentNullException.ThrowIfNull(step);
        if (_running || _current >= 0)
        {
            throw new InvalidOperationException("the virtual machine is already running");
        }

        _running = true;
        _stopRequested = false;
        try
        {
            var budget = limit.OperationsPerCpu ?? long.MaxValue;
            Array.Clear(_steps);
            for (var cpu = 0; cpu < CpuCount; cpu++)
            {
                if (_state[cpu] == VirtualCpuState.Finished)
                {
                    _state[cpu] = VirtualCpuState.Runnable;
                }

                if (_state[cpu] == VirtualCpuState.Runnable && !_queue.Contains(cpu))
                {
                    _queue.Insert(cpu);
                }
            }

            var startPs = _queue.Count > 0 ? _clockPs[_queue.Min] : _nowPs;
            var endPs = limit.Duration is { } d ? Add(startPs, ToPs(d)) : long.MaxValue;
            _nowPs = startPs;

            // Bounded by the budget, the deadline or the steps' own ends: every pass runs an event or a step, and each
            // step moves a clock. With every CPU offline, only events can bring one back: they run while any are due.
            while (!_stopRequested)
            {
                var t0 = _queue.Count > 0 ? _clockPs[_queue.Min] : long.MaxValue;
                if (_events.Count > 0 && _events[0].AtPs <= t0 && _events[0].AtPs < endPs && (_queue.Count > 0 || AnyOffline()))
                {
                    RunEvent();
                    continue;
                }

                if (_queue.Count == 0 || t0 >= endPs)
                {
                    break;
                }

                var cpu = _queue.Min;
                if (_steps[cpu] >= budget)
                {
                    Finish(cpu);
                    continue;
                }

                _nowPs = t0;
                _steps[cpu]++;
                if (RunStep(cpu, step))
                {
                    _queue.Update(cpu);
                }
                else
                {
                    Finish(cpu);
                }
            }

            var endClockPs = _clockPs.Max();
            _nowPs = _queue.Count > 0 ? Math.Max(_nowPs, _clockPs[_queue.Min]) : Math.Max(_nowPs, endClockPs);
            return new VirtualRunResult(startPs / 1000, endClockPs / 1000, [.. _steps]);
        }
        finally
        {
            _running = false;
        }
    }

    /// <summary>Ends the run after the step or action that calls it.</summary>
    public void Stop() => _stopRequested = true;

    /// <summary>
    /// Charges <paramref name="ns"/> of a CPU's own work outside the allocator (a page cleared, a PTE set). Inside a
    /// step, only the running CPU may be charged; between steps, any CPU.
    /// </summary>
    public void Charge(int cpu, long ns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ns);
        ChargePs(cpu, checked(ns * 1000));
    }

    /// <summary><see cref="Charge"/> in ps.</summary>
    public void ChargePs(int cpu, long ps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ps);
        if (_current >= 0 && cpu != _current)
        {
            throw new InvalidOperationException($"CPU {_current}'s step charged CPU {cpu}: a step charges only its own CPU");
        }

        _clockPs[cpu] += ps;
        if (_current < 0)
        {
            _queue.Update(cpu);
        }
    }

    /// <summary>Runs <paramref name="action"/> once, between steps, when the machine reaches <paramref name="atNs"/> (virtual).</summary>
    public void At(long atNs, Action action) => Schedule(checked(atNs * 1000), 0, action);

    /// <summary>Runs <paramref name="action"/> between steps every <paramref name="periodNs"/> of virtual time, first one period from now.</summary>
    public void Every(long periodNs, Action action)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(periodNs, 1);
        var periodPs = checked(periodNs * 1000);
        Schedule(Add(_nowPs, periodPs), periodPs, action);
    }

    /// <summary>Cancels every pending <see cref="At"/> and <see cref="Every"/> action.</summary>
    public void ClearEvents() => _events.Clear();

    /// <summary>CPU hotplug: <paramref name="cpu"/> runs no steps until <see cref="BringOnline"/>. Between steps only.</summary>
    public void TakeOffline(int cpu)
    {
        EnsureBetweenSteps("take a CPU offline");
        if (_state[cpu] == VirtualCpuState.Offline)
        {
            throw new InvalidOperationException($"CPU {cpu} is offline already");
        }

        _state[cpu] = VirtualCpuState.Offline;
        _queue.Remove(cpu);
    }

    /// <summary>Brings an offline CPU back; its clock catches up with the machine's time. Between steps only.</summary>
    public void BringOnline(int cpu)
    {
        EnsureBetweenSteps("bring a CPU online");
        if (_state[cpu] != VirtualCpuState.Offline)
        {
            throw new InvalidOperationException($"CPU {cpu} is not offline");
        }

        _state[cpu] = VirtualCpuState.Runnable;
        _clockPs[cpu] = Math.Max(_clockPs[cpu], _nowPs);
        if (_running)
        {
            _queue.Insert(cpu);
        }
    }

    /// <summary>
    /// Between steps, runs <paramref name="action"/> as <paramref name="cpu"/>, timed like a step of it (its clock, not
    /// earlier than the machine's time): work a coordinator makes a CPU do, such as page_alloc_cpu_dead() on a
    /// survivor. It is not counted as a step.
    /// </summary>
    public void RunAs(int cpu, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        EnsureBetweenSteps("run work as a CPU");
        _clockPs[cpu] = Math.Max(_clockPs[cpu], _nowPs);
        Execute(cpu, action);
        _queue.Update(cpu);
    }

    /// <summary>Each lock class: what the engine did and where it approximated (see the type's remarks).</summary>
    public IReadOnlyList<VirtualLockStats> LockStats()
    {
        var list = new List<VirtualLockStats>(LockClasses.Count);
        for (var c = 0; c < LockClasses.Count; c++)
        {
            ref var k = ref _counters[c];
            list.Add(new VirtualLockStats(LockClasses.Name((LockClass)c), k.Acquisitions, k.Contentions, k.TrylockFailures,
                k.OutOfOrderGrants, k.OutOfOrderDelayPs / 1000, k.DeferredTrylocks, k.DeferredTrylockDelayPs / 1000));
        }

        return list;
    }

    /// <summary>Zeroes <see cref="LockStats"/> and <see cref="EmptySteps"/> (after a run's set-up, say). Between steps only.</summary>
    public void ResetStats()
    {
        EnsureBetweenSteps("reset the statistics");
        Array.Clear(_counters);
        _emptySteps = 0;
    }

    private bool RunStep(int cpu, Func<int, bool> step)
    {
        var before = _clockPs[cpu];
        Enter(cpu);
        bool more;
        try
        {
            more = step(cpu);
            Leave(cpu);
        }
        finally
        {
            ClearRunning();
        }

        if (_clockPs[cpu] == before)
        {
            _clockPs[cpu] += EmptyStepPs;
            _emptySteps++;
        }

        return more;
    }

    private void Execute(int cpu, Action action)
    {
        Enter(cpu);
        try
        {
            action();
            Leave(cpu);
        }
        finally
        {
            ClearRunning();
        }
    }

    private void Enter(int cpu)
    {
        _current = cpu;
        _pruneBeforePs = _nowPs;
        BaselineZoneWork();
    }

    private void Leave(int cpu)
    {
        SyncZoneWork();
        if (_heldCount != 0)
        {
            throw new InvalidOperationException(
                $"CPU {cpu} ended a step holding {DescribeHeld()}: in virtual time a step must release every lock it takes");
        }
    }

    private void ClearRunning()
    {
        _current = -1;
        _heldCount = 0;
    }

    private void RunEvent()
    {
        var e = _events[0];
        _events.RemoveAt(0);
        _nowPs = e.AtPs;
        if (e.PeriodPs > 0)
        {
            Schedule(Add(e.AtPs, e.PeriodPs), e.PeriodPs, e.Action);
        }

        e.Action();
    }

    private void Schedule(long atPs, long periodPs, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        var e = new VirtualEvent(atPs, _eventSequence++, periodPs, action);

        // Sorted by time, then by the order of scheduling: a short list, so a linear insert is enough.
        var i = _events.Count;
        while (i > 0 && (_events[i - 1].AtPs > atPs || (_events[i - 1].AtPs == atPs && _events[i - 1].Sequence > e.Sequence)))
        {
            i--;
        }

        _events.Insert(i, e);
    }

    private bool AnyOffline() => Array.IndexOf(_state, VirtualCpuState.Offline) >= 0;

    private void Finish(int cpu)
    {
        _state[cpu] = VirtualCpuState.Finished;
        _queue.Remove(cpu);
    }

    private void EnsureBetweenSteps(string what)
    {
        if (_current >= 0)
        {
            throw new InvalidOperationException($"cannot {what} inside CPU {_current}'s step: only between steps");
        }
    }

    private void CheckRunning(int cpu)
    {
        if (cpu != _current)
        {
            throw new InvalidOperationException($"the model acted as CPU {cpu} inside CPU {_current}'s step");
        }
    }

    private static long ToPs(TimeSpan d) => d.Ticks <= 0 ? 0 : d.Ticks > long.MaxValue / 100_000 ? long.MaxValue : d.Ticks * 100_000;

    private static long Add(long a, long b) => b > long.MaxValue - a ? long.MaxValue : a + b;
}
