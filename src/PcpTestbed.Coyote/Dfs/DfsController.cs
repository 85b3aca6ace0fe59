using System.Diagnostics.CodeAnalysis;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote.Dfs;

/// <summary>
/// Our own scheduler ("dfs" engine): each CPU script runs on an OS thread of its own (<see cref="CpuWorker"/>), only one
/// runs at a time, and at every scheduling point the running thread asks the <see cref="IScheduleChooser"/> which CPU
/// runs the next step. Most steps continue the running thread with no hand-over at all; a switch hands the baton to the
/// chosen CPU's thread and waits for its own.
/// </summary>
/// <remarks>
/// <para>
/// <b>Steps.</b> A step is what one CPU does from one of its points to the next, and every point announces the one
/// shared thing the step after it does (<see cref="PendingStep"/>): a racy access, a lock operation, an operation's
/// beginning or end. So, unlike under Coyote, there is a point before each release and at each operation boundary
/// (a CPU may be preempted between two allocator calls, and the auditor's quiescent points depend on that order), and
/// none after a release. A CPU's first step (<see cref="PointKind.Start"/>) runs its script up to its first point.
/// </para>
/// <para>
/// <b>Enabled CPUs.</b> A CPU can run unless its script has ended, or it found a lock held in spin_lock() (a waiter,
/// <see cref="IterationState.IsWaiting"/>) and the lock is still held. Its first attempt is a step like any other: it
/// may find the lock free and take it, or register as a waiter, after which trylocks fail until it holds the lock. A
/// state with unfinished CPUs and none enabled is a deadlock (<c>[liveness]</c>); the wait-for chain is checked when a
/// CPU starts waiting, as under Coyote, so a cycle is named with its locks and sites.
/// </para>
/// <para>
/// <b>Ending early.</b> A violation (<see cref="Fail"/>), a chooser that stops, or an unexpected exception marks the
/// iteration aborted, wakes every other live CPU thread, and each unwinds with a <see cref="DfsAbortException"/> from
/// the point where it waited. The explorer's thread waits until every script has ended (the watchdog names a stall).
/// </para>
/// </remarks>
internal sealed class DfsController : IIterationController, IDisposable
{
    /// <summary>Spins of a waiting thread before it blocks (<see cref="ManualResetEventSlim.SpinCount"/>).</summary>
    public const int DefaultSpinCount = 200;

    private static readonly TimeSpan Watchdog = TimeSpan.FromMinutes(5);

    private readonly List<CpuWorker> _workers = [];
    private readonly ManualResetEventSlim _done = new(false);
    private readonly List<ExecutedStep> _trace = [];
    private readonly int _cpus;
    private readonly int _maxSteps;
    private readonly int _spinCount;
    private readonly CpuWorker?[] _byCpu;
    private readonly PendingStep[] _pending;
    private readonly bool[] _live;
    private readonly int[] _acting; // per script CPU: the CPU its current operation runs as (a script may stand in for another CPU)
    private IScheduleChooser? _chooser;
    private IterationState? _state;
    private int _current = -1;
    private int _unfinished;
    private int _abortedFlag; // 1 once the iteration is aborted: set once, so each thread is woken once
    private string? _engineError;

    public DfsController(int cpus, int maxSteps, int spinCount = DefaultSpinCount)
    {
        if (cpus is < 1 or > 30)
        {
            throw new ArgumentOutOfRangeException(nameof(cpus), cpus, "our scheduler runs 1 to 30 CPUs");
        }

        _cpus = cpus;
        _maxSteps = maxSteps;
        _spinCount = spinCount;
        _byCpu = new CpuWorker?[cpus];
        _pending = new PendingStep[cpus];
        _live = new bool[cpus];
        _acting = new int[cpus];
    }

    /// <summary>The steps of the iteration that ran last (or runs now).</summary>
    public IReadOnlyList<ExecutedStep> Trace => _trace;

    /// <summary>Whether the chooser stopped the last iteration before it ended.</summary>
    public bool Stopped { get; private set; }

    /// <summary>Steps over every iteration so far.</summary>
    public long Steps { get; private set; }

    /// <summary>Steps that switched threads (a hand-over of the baton), over every iteration so far.</summary>
    public long Switches { get; private set; }

    public int Cpus => _cpus;

    /// <summary>What <paramref name="cpu"/> is about to do (its start, before it has run).</summary>
    public PendingStep PendingOf(int cpu) => _pending[cpu];

    /// <summary>Whether <paramref name="cpu"/> has a script in this iteration that has not ended.</summary>
    public bool IsLive(int cpu) => cpu >= 0 && cpu < _cpus && _live[cpu];

    /// <summary>Whether <paramref name="cpu"/> is live but waits for a lock that is held.</summary>
    public bool IsBlocked(int cpu) => IsLive(cpu) && !IsEnabled(cpu);

    /// <summary>
    /// Runs one iteration of <paramref name="runner"/>'s scenario with <paramref name="chooser"/> picking every step, and
    /// returns its state (its violation, if any, and its step log); <see cref="Trace"/> holds its steps.
    /// </summary>
    public IterationState RunIteration(IterationRunner runner, IScheduleChooser chooser)
    {
        Begin(chooser);
        try
        {
            runner.RunIteration(this);
        }
        catch (DfsAbortException)
        {
            // A violation (in the state) or a stop (Stopped).
        }

        return runner.Last!;
    }

    /// <summary>The next iteration's steps are chosen by <paramref name="chooser"/>.</summary>
    private void Begin(IScheduleChooser chooser)
    {
        _chooser = chooser;
        _trace.Clear();
        Stopped = false;
        _abortedFlag = 0;
        _engineError = null;
        _current = -1;
    }

    public void Point(IterationState state, int cpu, in PendingStep step)
    {
        // The point before a release was ours; and code outside the CPU threads (the end-of-iteration checks) runs alone.
        if (step.Kind == PointKind.AfterUnlock || CpuWorker.Current is not { } worker)
        {
            return;
        }

        if (Aborted)
        {
            throw new DfsAbortException();
        }

        // Schedules are over script CPUs (threads); a script may run an operation as another CPU (cpu), whose locks and
        // waits the iteration state keeps under that CPU's number.
        var self = worker.Cpu;
        state.CountStep(cpu);
        _pending[self] = step;
        _acting[self] = cpu;
        var next = Decide(state);
        if (next == self)
        {
            return;
        }

        Switches++;
        _byCpu[next]!.Give();
        worker.Take();
        if (Aborted)
        {
            throw new DfsAbortException();
        }
    }

    public void AwaitRelease(IterationState state, int cpu, ref EmuSpinLock l, LockSite site, ref int attempts)
    {
        // The CPU's next point is its next attempt, which cannot be picked while the lock is held.
        state.CheckWaitChain(cpu, ref l, site);
    }

    public void Released(LockClass c, int instance)
    {
        // Enabled CPUs are worked out at each decision from the locks held now.
    }

    /// <summary>A scenario's wait is a read of its location, scheduled like any other: the waiter stays enabled and checks again each time it runs.</summary>
    public bool AwaitScenario(IterationState state, int cpu, SharedLocation location)
    {
        state.SharedRead(location, AccessSite.Scenario);
        return true;
    }

    public void ScenarioChanged()
    {
        // A waiter is never disabled here (AwaitScenario): nothing to wake.
    }

    [DoesNotReturn]
    public void Fail(string message)
    {
        Abort();
        throw new DfsAbortException(message);
    }

    public void RunScripts(IterationState state, IReadOnlyList<CpuScript> scripts, Action<CpuScript> run)
    {
        if (_chooser == null)
        {
            throw new InvalidOperationException("DfsController.Begin was not called before the iteration");
        }

        _state = state;
        Array.Clear(_byCpu);
        Array.Clear(_live);
        while (_workers.Count < scripts.Count)
        {
            _workers.Add(new CpuWorker(_workers.Count, _spinCount));
        }

        for (var i = 0; i < scripts.Count; i++)
        {
            var script = scripts[i];
            if (script.Cpu < 0 || script.Cpu >= _cpus || _byCpu[script.Cpu] != null)
            {
                throw new InvalidOperationException($"script {i} runs as CPU {script.Cpu}: each script needs a distinct CPU below {_cpus}");
            }

            var worker = _workers[i];
            _byCpu[script.Cpu] = worker;
            _live[script.Cpu] = true;
            _pending[script.Cpu] = PendingStep.Start;
            _acting[script.Cpu] = script.Cpu;
            worker.Assign(script.Cpu, () => RunScript(script, run));
        }

        _unfinished = scripts.Count;
        _done.Reset();
        try
        {
            var first = Decide(state);
            _byCpu[first]!.Give();
        }
        catch (DfsAbortException)
        {
            // Nothing ran: Abort woke every thread, which ends its script unstarted.
        }

        if (!_done.Wait(Watchdog))
        {
            // Wake whatever still waits, so it unwinds instead of running on uncontrolled.
            Abort();
            throw new InvalidOperationException($"our scheduler stalled: the iteration did not end within {Watchdog.TotalMinutes} minutes, after step {_trace.Count}");
        }

        if (_engineError != null)
        {
            throw new InvalidOperationException(_engineError);
        }

        if (Aborted)
        {
            throw new DfsAbortException();
        }
    }

    public void Dispose()
    {
        foreach (var w in _workers)
        {
            w.Dispose();
        }

        _done.Dispose();
    }

    private bool Aborted => Volatile.Read(ref _abortedFlag) != 0;

    private bool IsEnabled(int cpu)
    {
        if (!_live[cpu])
        {
            return false;
        }

        var acting = _acting[cpu];
        if (_pending[cpu].Kind != PointKind.Lock || !_state!.IsWaiting(acting))
        {
            return true;
        }

        var (c, instance) = _state.WaitedLock(acting);
        return !_state.IsHeld(c, instance);
    }

    /// <summary>Picks the CPU that runs the next step and records the step; -1 when every script has ended.</summary>
    private int Decide(IterationState state)
    {
        var enabled = 0;
        var live = false;
        for (var cpu = 0; cpu < _cpus; cpu++)
        {
            live |= _live[cpu];
            if (IsEnabled(cpu))
            {
                enabled |= 1 << cpu;
            }
        }

        if (enabled == 0)
        {
            if (!live)
            {
                return -1;
            }

            state.Fail($"[liveness] operation never completes: no CPU can run: {state.DescribeWaits()} (a deadlock)");
        }

        if (_trace.Count >= _maxSteps)
        {
            state.Fail($"[liveness] operation never completes: the iteration took more than {_maxSteps} scheduling steps");
        }

        var choice = _chooser!.Choose(this, _trace.Count, enabled, _current);
        if (choice < 0)
        {
            Stopped = true;
            Abort();
            throw new DfsAbortException("the schedule stopped the iteration");
        }

        if (choice >= _cpus || (enabled & (1 << choice)) == 0)
        {
            _engineError = $"our scheduler's chooser picked CPU {choice} at step {_trace.Count + 1}, which cannot run";
            Abort();
            throw new DfsAbortException(_engineError);
        }

        _trace.Add(new ExecutedStep(choice, enabled, _current, _pending[choice], state.HeldMask(_acting[choice])));
        Steps++;
        _current = choice;
        return choice;
    }

    /// <summary>Marks the iteration aborted and wakes every other live CPU thread, which then unwinds.</summary>
    private void Abort()
    {
        if (Interlocked.Exchange(ref _abortedFlag, 1) != 0)
        {
            return;
        }

        var self = CpuWorker.Current;
        for (var cpu = 0; cpu < _cpus; cpu++)
        {
            if (_live[cpu] && _byCpu[cpu] is { } w && w != self)
            {
                w.Give();
            }
        }
    }

    /// <summary>A worker's job: the script, then the hand-over to whoever runs next.</summary>
    private void RunScript(CpuScript script, Action<CpuScript> run)
    {
        var cpu = script.Cpu;
        if (!Aborted)
        {
            try
            {
                run(script);
            }
            catch (DfsAbortException)
            {
                // The iteration ended elsewhere, or this CPU failed it.
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Not the model's (those fail inside the operation): the scenario's own code, or the engine's.
                try
                {
                    _state!.Fail($"[exception] CPU {cpu}: {e.GetType().Name}: {e.Message}");
                }
                catch (DfsAbortException)
                {
                }
            }
        }

        _live[cpu] = false;
        if (!Aborted)
        {
            try
            {
                var next = Decide(_state!);
                if (next >= 0)
                {
                    Switches++;
                    _byCpu[next]!.Give();
                }
            }
            catch (DfsAbortException)
            {
                // A deadlock among the others, or the chooser stopped.
            }
        }

        if (Interlocked.Decrement(ref _unfinished) == 0)
        {
            _done.Set();
        }
    }
}
