using System.Diagnostics;

namespace PcpTestbed.Execution.Cpus;

/// <summary>
/// N emulated CPUs, each an OS thread running a <see cref="CpuBody"/> with its CPU id; N is independent of the
/// host core count (64 on 2 cores works, the host just time-slices them). A coordinator (any other thread)
/// can stop the world at quiescent points, take CPUs offline and online, and stop the run.
/// </summary>
/// <remarks>
/// <para>
/// <b>Start.</b> <see cref="Start"/> creates the threads, optionally pins them (<see cref="CpuMachineOptions.Pin"/>),
/// waits until every one is ready and releases them together, so no CPU gets a head start.
/// </para>
/// <para>
/// <b>Quiescent points.</b> A body calls <see cref="CpuContext.QuiescentPoint"/> between operations, holding no
/// emulated lock. The coordinator sets request bits in each CPU's control word; a CPU sees them at its next
/// quiescent point and parks on the machine's gate. <see cref="StopTheWorld"/> waits until every CPU is parked,
/// offline or finished, runs the callback (an auditor) while they stay parked, then releases them: the run goes
/// on. The gate's lock orders every CPU's writes before the callback's reads.
/// </para>
/// <para>
/// <b>Signals.</b> Other threads raise <see cref="CpuSignals"/> on a CPU (<see cref="Signal"/>): posted work, a timer,
/// an interrupt. They sit in the same control word as the requests, so a body's loop is one volatile read of its own
/// line plus its operation while nothing is pending; the body takes them at its next quiescent point.
/// </para>
/// <para>
/// <b>Bounded waits.</b> Every coordinator wait, and a CPU's wait for another it takes offline, ends after
/// <see cref="CpuMachineOptions.QuiescenceTimeout"/> with a <see cref="QuiescenceTimeoutException"/> naming the CPUs that
/// did not get there. While it waits the waiter samples the CPUs (<see cref="CpuWatchdog"/>), and when a wait runs out the watchdog's report of the
/// stuck CPUs goes to <see cref="CpuMachineOptions.OnStuck"/> at once and rides on the exception. A parked CPU waits
/// for the coordinator without a bound: an offline CPU stays offline as long as the coordinator wants, and a
/// stop-the-world lasts as long as its callback; stopping the run always wakes it.
/// </para>
/// </remarks>
public sealed class CpuMachine : IDisposable
{
    internal const int ParkRequest = 1;
    internal const int OfflineRequest = 2;
    internal const int StopRequest = 4;

    /// <summary>The machine's own request bits in a CPU's control word; the rest are <see cref="CpuSignals"/>.</summary>
    internal const int RequestMask = ParkRequest | OfflineRequest | StopRequest;

    /// <summary>Every <see cref="CpuSignals"/> bit.</summary>
    internal const int SignalMask = (int)(CpuSignals.PostedWork | CpuSignals.Timer | CpuSignals.Interrupt);

    [ThreadStatic]
    private static CpuContext? t_cpu;

    /// <summary>Guards <see cref="_states"/>, <see cref="_lastExitTicks"/> and every write of a CPU's request word; parked CPUs wait on it.</summary>
    private readonly object _gate = new();

    /// <summary>Serializes coordinator operations (stop-the-world, offline, online).</summary>
    private readonly object _coordinator = new();

    /// <summary>Set under <see cref="_gate"/> whenever a CPU's state changes; the coordinator waits on it.</summary>
    private readonly ManualResetEventSlim _stateChanged = new(false);

    private readonly CpuMachineOptions _options;
    private readonly CpuWatchdog _watchdog;
    private readonly int[] _hostCpus;
    private readonly CpuContext[] _cpus;

    /// <summary>Guarded by <see cref="_gate"/>.</summary>
    private readonly CpuState[] _states;

    /// <summary>
    /// Each written by its CPU thread only, before it sets its state to Finished under the gate; read after joining the
    /// thread, or after reading that state under the gate (the stuck-CPU report).
    /// </summary>
    private readonly Exception?[] _faults;

    private readonly CountdownEvent _ready;
    private readonly ManualResetEventSlim _go = new(false);
    private Thread[] _threads = [];
    private Timer? _deadline;
    private long _startTicks;
    private long _deadlineTicks; // written before the deadline timer is created, read by its callback

    /// <summary>Guarded by <see cref="_gate"/>.</summary>
    private long _lastExitTicks;

    /// <summary>
    /// CPUs not yet <see cref="CpuState.Finished"/>: counted down once by each CPU thread as it sets that state, under the
    /// gate; <see cref="AllFinished"/> reads it without the gate.
    /// </summary>
    private int _unfinished;

    private int _started;
    private bool _joined;

    public CpuMachine(CpuMachineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.CpuCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.EffectiveQuiescenceTimeout, TimeSpan.Zero);
        if (options.Pin && !HostAffinity.IsSupported)
        {
            throw new PlatformNotSupportedException("--pin needs sched_setaffinity (Linux)");
        }

        if (options.Watchdog is { } w && w.CpuCount != options.CpuCount)
        {
            throw new ArgumentException($"the watchdog watches {w.CpuCount} CPUs, the machine has {options.CpuCount}", nameof(options));
        }

        _options = options;
        _watchdog = options.Watchdog ?? new CpuWatchdog(options.CpuCount);
        _hostCpus = HostAffinity.IsSupported
            ? HostAffinity.GetCurrentThreadAffinity()
            : [.. Enumerable.Range(0, Environment.ProcessorCount)];
        _cpus = new CpuContext[options.CpuCount];
        for (var cpu = 0; cpu < options.CpuCount; cpu++)
        {
            _cpus[cpu] = new CpuContext(this, cpu);
        }

        _states = new CpuState[options.CpuCount];
        _faults = new Exception?[options.CpuCount];
        _unfinished = options.CpuCount;
        _ready = new CountdownEvent(options.CpuCount);
    }

    public int CpuCount => _options.CpuCount;

    /// <summary>The host CPUs this process may run on (its affinity mask when the machine was built).</summary>
    public IReadOnlyList<int> HostCpus => _hostCpus;

    public int HostCores => _hostCpus.Length;

    /// <summary>More emulated CPUs than host cores: lock waits then include host scheduling delays.</summary>
    public bool IsOversubscribed => CpuCount > HostCores;

    public bool Pinned => _options.Pin;

    public TimeSpan QuiescenceTimeout => _options.EffectiveQuiescenceTimeout;

    public CpuWatchdog Watchdog => _watchdog;

    /// <summary>The host CPU emulated CPU <paramref name="cpu"/> is pinned to with <see cref="CpuMachineOptions.Pin"/>.</summary>
    public int HostCpuFor(int cpu) => _hostCpus[cpu % _hostCpus.Length];

    public CpuContext Cpu(int cpu) => _cpus[cpu];

    /// <summary>
    /// Whether every CPU has finished: its body returned, or a stop reached it before its body began. One volatile read
    /// (<see cref="State"/> takes the gate), for a coordinator that asks at every wake.
    /// </summary>
    public bool AllFinished => Volatile.Read(ref _unfinished) == 0;

    public CpuState State(int cpu)
    {
        lock (_gate)
        {
            return _states[cpu];
        }
    }

    /// <summary>Starts every CPU on <paramref name="body"/> and returns once they have been released together.</summary>
    public void Start(CpuBody body, RunLimit limit)
    {
        ArgumentNullException.ThrowIfNull(body);
        EnsureCoordinatorThread("start");

        // The exchange reserves the machine's one run for this caller.
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("a CpuMachine runs once; build another for the next run");
        }

        lock (_coordinator)
        {
            var budget = limit.OperationsPerCpu ?? long.MaxValue;
            _threads = new Thread[CpuCount];
            lock (_gate)
            {
                for (var cpu = 0; cpu < CpuCount; cpu++)
                {
                    _cpus[cpu].OperationBudget = budget;

                    // Running from now on, so a coordinator never mistakes a CPU about to enter its body for a parked one.
                    _states[cpu] = CpuState.Running;
                }
            }

            for (var cpu = 0; cpu < CpuCount; cpu++)
            {
                var id = cpu;
                _threads[cpu] = new Thread(() => CpuMain(id, body)) { IsBackground = true, Name = $"cpu{id}" };
                _threads[cpu].Start();
            }

            if (!_ready.Wait(QuiescenceTimeout))
            {
                RequestStop();
                _go.Set();
                throw new QuiescenceTimeoutException(
                    $"only {CpuCount - _ready.CurrentCount} of {CpuCount} CPU threads started within {QuiescenceTimeout}",
                    [.. Enumerable.Range(0, CpuCount)]);
            }

            // A CPU that could not be pinned has recorded its fault before signalling ready: start nobody.
            if (_faults.Any(f => f is not null))
            {
                RequestStop();
            }

            _startTicks = Stopwatch.GetTimestamp();
            _go.Set();
            if (limit.Duration is { } duration)
            {
                _deadlineTicks = _startTicks + ToTicks(duration);
                _deadline = new Timer(static m => ((CpuMachine)m!).OnDeadlineTimer(), this, duration, Timeout.InfiniteTimeSpan);
            }
        }
    }

    /// <summary>
    /// The timer's clock is coarser than the stopwatch the run is measured with and can fire a little early (a run of
    /// 100 ms measured 99.9995 ms): stop only once the stopwatch agrees, else wait out the rest.
    /// </summary>
    private void OnDeadlineTimer()
    {
        var remaining = _deadlineTicks - Stopwatch.GetTimestamp();
        if (remaining > 0)
        {
            try
            {
                _deadline?.Change(FromTicks(remaining) + TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);
                return;
            }
            catch (ObjectDisposedException)
            {
                // The run ended meanwhile: nothing left to stop.
                return;
            }
        }

        RequestStop();
    }

    /// <summary>Starts, then waits for the run to end: the budget, the deadline plus the quiescence timeout, or unbounded when neither is given.</summary>
    public CpuRunResult Run(CpuBody body, RunLimit limit)
    {
        Start(body, limit);
        return Join(limit.Duration is { } d ? d + QuiescenceTimeout : Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// Waits for every CPU to leave its body. Rethrows the CPUs' faults as an <see cref="AggregateException"/>.
    /// </summary>
    /// <exception cref="QuiescenceTimeoutException">Some CPU was still in its body after <paramref name="timeout"/>.</exception>
    public CpuRunResult Join(TimeSpan timeout)
    {
        EnsureCoordinatorThread("join");
        if (_started == 0)
        {
            throw new InvalidOperationException("the machine has not started");
        }

        // Sampled first, so a CPU that never moves during the wait is known to have been where it is since its start.
        _watchdog.Sample();
        var start = Stopwatch.GetTimestamp();
        var deadline = timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : start + ToTicks(timeout);
        var late = new List<int>();
        for (var cpu = 0; cpu < CpuCount; cpu++)
        {
            // In slices, so the watchdog keeps sampling while the coordinator waits.
            while (!_threads[cpu].Join(Slice(deadline)))
            {
                _watchdog.Sample();
                if (Stopwatch.GetTimestamp() >= deadline)
                {
                    late.Add(cpu);
                    break;
                }
            }
        }

        if (late.Count != 0)
        {
            throw Stuck(late, "end the run", timeout, start);
        }

        _joined = true;
        _deadline?.Dispose();
        var faults = _faults.Select((f, cpu) => (f, cpu)).Where(x => x.f is not null).ToList();
        if (faults.Count != 0)
        {
            throw new AggregateException(
                $"{faults.Count} CPU(s) faulted: {string.Join(", ", faults.Select(x => $"CPU {x.cpu}: {x.f!.Message}"))}",
                faults.Select(x => x.f!));
        }

        long endTicks;
        lock (_gate)
        {
            endTicks = _lastExitTicks;
        }

        return new CpuRunResult(
            CpuCount,
            HostCores,
            IsOversubscribed,
            Pinned,
            FromTicks(Math.Max(0, endTicks - _startTicks)),
            [.. _cpus.Select(c => c.Operations)]);
    }

    /// <summary>
    /// Parks every running CPU at its next quiescent point, runs <paramref name="callback"/> while all are parked,
    /// then lets them continue. Offline and finished CPUs do not hold it up.
    /// </summary>
    /// <exception cref="QuiescenceTimeoutException">A CPU did not reach a quiescent point in time; the others are released.</exception>
    public void StopTheWorld(Action callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        EnsureCoordinatorThread("stop the world");
        lock (_coordinator)
        {
            var all = Enumerable.Range(0, CpuCount).ToArray();
            SetRequest(all, ParkRequest);
            try
            {
                WaitFor(all, static s => s is CpuState.Parked or CpuState.Offline or CpuState.Finished or CpuState.NotStarted, "stop the world");
                callback();
            }
            finally
            {
                ClearRequest(all, ParkRequest);
            }
        }
    }

    /// <summary>
    /// Takes <paramref name="cpu"/> offline: it parks at its next quiescent point and runs no operation until
    /// <see cref="BringOnline"/>. Returns once it is parked (or finished), so the caller can act for the dead
    /// CPU (drain its PCP) while it cannot run. Before <see cref="Start"/> it returns at once and the CPU
    /// parks before its first operation. Another CPU may call it from its body, between its operations, as the kernel's
    /// hotplug control task runs on a surviving CPU (<see cref="TakeOfflineFromCpu"/>).
    /// </summary>
    public void TakeOffline(int cpu)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cpu);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(cpu, CpuCount);
        if (CallingCpu() is { } self)
        {
            TakeOfflineFromCpu(self, cpu);
            return;
        }

        lock (_coordinator)
        {
            SetRequest([cpu], OfflineRequest);
            try
            {
                WaitFor([cpu], static s => s is CpuState.Offline or CpuState.Finished or CpuState.NotStarted, $"take CPU {cpu} offline");
            }
            catch
            {
                ClearRequest([cpu], OfflineRequest);
                throw;
            }
        }
    }

    /// <summary>Lets an offline CPU run its body again from the quiescent point it parked at.</summary>
    public void BringOnline(int cpu)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cpu);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(cpu, CpuCount);
        if (CallingCpu() is { } self)
        {
            // A CPU cannot take _coordinator: a stop-the-world holding it waits for this CPU's next quiescent point.
            ArgumentOutOfRangeException.ThrowIfEqual(cpu, self);
            ClearRequest([cpu], OfflineRequest);
            return;
        }

        lock (_coordinator)
        {
            ClearRequest([cpu], OfflineRequest);
        }
    }

    /// <summary>
    /// <see cref="TakeOffline"/> called by CPU <paramref name="self"/> between its operations, for <paramref name="cpu"/>.
    /// It cannot take <see cref="_coordinator"/> (a stop-the-world holding it waits for this CPU), and needs not: the
    /// offline request is a bit of its own, and a CPU parked with it set, for a stop-the-world or offline, runs no
    /// operation until it is cleared, so parked counts as arrived. The wait is the coordinator's (<see cref="WaitFor"/>),
    /// bounded and reported the same way, but yields the host CPU instead of sleeping (the victim may need it to reach its
    /// quiescent point).
    /// </summary>
    private void TakeOfflineFromCpu(int self, int cpu)
    {
        if (cpu == self)
        {
            throw new InvalidOperationException($"CPU {self} cannot take itself offline from inside its body: it would wait for itself");
        }

        SetRequest([cpu], OfflineRequest);
        try
        {
            WaitFor([cpu], static s => s is CpuState.Offline or CpuState.Parked or CpuState.Finished or CpuState.NotStarted,
                $"take CPU {cpu} offline (from CPU {self})", fromCpu: true);
        }
        catch
        {
            ClearRequest([cpu], OfflineRequest);
            throw;
        }
    }

    /// <summary>
    /// Ends the run: every CPU returns false from its next quiescent point (an offline CPU at once; a CPU parked
    /// for a stop-the-world once that ends). Safe from any thread, including a CPU's.
    /// </summary>
    public void RequestStop()
    {
        lock (_gate)
        {
            foreach (var c in _cpus)
            {
                // Publishes the stop to the CPU's next quiescent point (atomically: signals are raised without the gate).
                Interlocked.Or(ref c.Control.Requests, StopRequest);
            }

            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>
    /// Raises <paramref name="signals"/> on <paramref name="cpu"/>: its body takes them at its next quiescent point
    /// (<see cref="CpuContext.QuiescentPoint(out CpuSignals)"/>), or after it comes back from a park or offline. Safe from
    /// any thread, a CPU's included; costs one atomic OR on that CPU's control line and takes no lock.
    /// </summary>
    public void Signal(int cpu, CpuSignals signals)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cpu);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(cpu, CpuCount);
        if (((int)signals & ~SignalMask) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(signals), signals, "not a CPU signal");
        }

        // Publishes the signal (and whatever the caller wrote before it, e.g. a mailbox slot) to the CPU's next quiescent point.
        Interlocked.Or(ref _cpus[cpu].Control.Requests, (int)signals);
    }

    public void Dispose()
    {
        if (_started != 0 && !_joined)
        {
            RequestStop();
            _go.Set();

            // One bound for all: CPUs spinning on a lock a dead CPU holds end only at the lock wait timeout.
            var deadline = Stopwatch.GetTimestamp() + ToTicks(QuiescenceTimeout);
            foreach (var t in _threads)
            {
                t.Join(FromTicks(Math.Max(0, deadline - Stopwatch.GetTimestamp())));
            }
        }

        _deadline?.Dispose();
        _stateChanged.Dispose();
        _ready.Dispose();
        _go.Dispose();
    }

    /// <summary>The slow path of a quiescent point: some request bit is set.</summary>
    /// <returns>False when the run is over.</returns>
    internal bool Quiesce(CpuContext cpu)
    {
        lock (_gate)
        {
            while (true)
            {
                var requests = cpu.Control.Requests;
                CpuState next;
                if ((requests & ParkRequest) != 0)
                {
                    // Parked even if the run is stopping: the stop-the-world callback must not see this CPU move.
                    next = CpuState.Parked;
                }
                else if ((requests & StopRequest) != 0)
                {
                    SetState(cpu.Id, CpuState.Running);
                    return false;
                }
                else if ((requests & OfflineRequest) != 0)
                {
                    next = CpuState.Offline;
                }
                else
                {
                    SetState(cpu.Id, CpuState.Running);
                    return true;
                }

                SetState(cpu.Id, next);

                // Unbounded on purpose (see the type remarks); every request change pulses the gate.
                Monitor.Wait(_gate);
            }
        }
    }

    private static long ToTicks(TimeSpan t) => (long)(t.TotalSeconds * Stopwatch.Frequency);

    private static TimeSpan FromTicks(long ticks) => TimeSpan.FromSeconds(ticks / (double)Stopwatch.Frequency);

    private void CpuMain(int id, CpuBody body)
    {
        var cpu = _cpus[id];
        t_cpu = cpu;
        try
        {
            try
            {
                if (Pinned)
                {
                    HostAffinity.PinCurrentThread(HostCpuFor(id));
                }
            }
            finally
            {
                _ready.Signal();
            }

            // The start barrier's second half: released by the coordinator once every CPU is ready.
            if (!_go.Wait(QuiescenceTimeout))
            {
                throw new QuiescenceTimeoutException($"CPU {id} was not released within {QuiescenceTimeout} of being ready", [id]);
            }

            if ((Volatile.Read(ref cpu.Control.Requests) & RequestMask) == 0 || Quiesce(cpu))
            {
                body(cpu);
            }
        }
        catch (Exception e)
        {
            _faults[id] = e;
            _options.OnFault?.Invoke(id, e);

            // One CPU faulting ends the run for all, rather than leaving them to spin on a lock it may hold.
            RequestStop();
        }
        finally
        {
            lock (_gate)
            {
                SetState(id, CpuState.Finished);
                _lastExitTicks = Math.Max(_lastExitTicks, Stopwatch.GetTimestamp());

                // Once per CPU thread: the state is set to Finished here only.
                Interlocked.Decrement(ref _unfinished);
            }

            t_cpu = null;
        }
    }

    /// <summary>Call under <see cref="_gate"/>.</summary>
    private void SetState(int cpu, CpuState state)
    {
        Debug.Assert(Monitor.IsEntered(_gate), "CPU states are guarded by the gate");
        if (_states[cpu] != state)
        {
            _states[cpu] = state;
            _stateChanged.Set();
        }
    }

    private void SetRequest(int[] cpus, int bit)
    {
        lock (_gate)
        {
            foreach (var cpu in cpus)
            {
                // Publishes the request; the CPU acts on it at its next quiescent point. Atomic: signals are raised without the gate.
                Interlocked.Or(ref _cpus[cpu].Control.Requests, bit);
            }
        }
    }

    private void ClearRequest(int[] cpus, int bit)
    {
        lock (_gate)
        {
            foreach (var cpu in cpus)
            {
                // Publishes the withdrawal; a parked CPU rereads it under the gate after the pulse below.
                Interlocked.And(ref _cpus[cpu].Control.Requests, ~bit);
            }

            // Parked CPUs recheck their requests.
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>
    /// Waits until every CPU of <paramref name="cpus"/> has <paramref name="arrived"/> at a state, up to the quiescence
    /// timeout, sampling the watchdog at least every <see cref="CpuWatchdog.SamplePeriod"/>; past it, throws the stuck
    /// report of those that did not (<see cref="Stuck"/>). The coordinator sleeps on state changes between checks; a CPU
    /// waiting for another (<paramref name="fromCpu"/>, the hotplug control task) spins, yielding its host CPU, and leaves
    /// <see cref="_stateChanged"/> to the coordinator (a second waiter's reset could swallow the coordinator's wake-up).
    /// </summary>
    private void WaitFor(int[] cpus, Func<CpuState, bool> arrived, string operation, bool fromCpu = false)
    {
        var timeout = QuiescenceTimeout;
        _watchdog.Sample();
        var start = Stopwatch.GetTimestamp();
        var deadline = start + ToTicks(timeout);
        var sampleTicks = ToTicks(CpuWatchdog.SamplePeriod);
        var nextSample = start + sampleTicks;
        var spin = default(SpinWait);
        while (true)
        {
            lock (_gate)
            {
                if (AllArrived(cpus, arrived))
                {
                    return;
                }

                if (!fromCpu)
                {
                    // Reset under the gate: a state change after this check sets it again.
                    _stateChanged.Reset();
                }
            }

            var now = Stopwatch.GetTimestamp();
            if (now >= deadline)
            {
                List<int> pending;
                lock (_gate)
                {
                    pending = [.. cpus.Where(c => !arrived(_states[c]))];
                }

                if (pending.Count == 0)
                {
                    return;
                }

                throw Stuck(pending, operation, timeout, start);
            }

            if (fromCpu)
            {
                spin.SpinOnce(sleep1Threshold: -1);
                if (now < nextSample)
                {
                    continue;
                }
            }
            else
            {
                _stateChanged.Wait(Slice(deadline));
            }

            _watchdog.Sample();
            nextSample = Stopwatch.GetTimestamp() + sampleTicks;
        }
    }

    /// <summary>Call under <see cref="_gate"/>. A loop, not a lambda: a CPU's wait checks it at every spin.</summary>
    private bool AllArrived(int[] cpus, Func<CpuState, bool> arrived)
    {
        Debug.Assert(Monitor.IsEntered(_gate), "CPU states are guarded by the gate");
        foreach (var c in cpus)
        {
            if (!arrived(_states[c]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The coordinator's wait for something a CPU does at its quiescent point (posted work): up to
    /// <paramref name="timeout"/>, sampling the CPUs for the watchdog meanwhile. False when it ran out.
    /// </summary>
    public bool WatchedWait(ManualResetEventSlim done, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(done);
        var deadline = Stopwatch.GetTimestamp() + ToTicks(timeout);
        while (!done.Wait(Slice(deadline)))
        {
            _watchdog.Sample();
            if (Stopwatch.GetTimestamp() >= deadline)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// <paramref name="cpus"/> did not reach a quiescent point within <paramref name="waited"/> of
    /// <paramref name="waitStartTicks"/> while the coordinator tried to <paramref name="operation"/>: takes the
    /// watchdog's report, hands it to <see cref="CpuMachineOptions.OnStuck"/>, and returns the exception to throw.
    /// Take <paramref name="waitStartTicks"/> right after a <see cref="CpuWatchdog.Sample"/>, so the report can tell a
    /// CPU that stayed in one call for the whole wait.
    /// </summary>
    public QuiescenceTimeoutException Stuck(IReadOnlyList<int> cpus, string operation, TimeSpan waited, long waitStartTicks)
    {
        var report = _watchdog.Report(operation, waited, waitStartTicks, cpus, State, Fault);
        _options.OnStuck?.Invoke(report);
        return new QuiescenceTimeoutException(
            $"{operation}: no quiescent point within {waited}: {Describe(cpus)}; looks like {HangKinds.Meaning(report.LooksLike)}",
            cpus, report, report.HolderFault);
    }

    /// <summary>The next wait slice: a sample period, or what is left before <paramref name="deadline"/>.</summary>
    private static TimeSpan Slice(long deadline)
    {
        if (deadline == long.MaxValue)
        {
            return CpuWatchdog.SamplePeriod;
        }

        var left = FromTicks(Math.Max(0, deadline - Stopwatch.GetTimestamp()));
        return left < CpuWatchdog.SamplePeriod ? left : CpuWatchdog.SamplePeriod;
    }

    /// <summary>What a finished CPU's thread died of (its state, read under the gate, orders the fault's write before this read).</summary>
    private Exception? Fault(int cpu) => State(cpu) == CpuState.Finished ? Volatile.Read(ref _faults[cpu]) : null;

    private string Describe(IReadOnlyList<int> cpus)
    {
        lock (_gate)
        {
            return string.Join(", ", cpus.Select(c => $"CPU {c} ({_states[c]}, {_cpus[c].Operations} operations started)"));
        }
    }

    /// <summary>The id of the CPU of this machine whose body is calling, or null for any other thread.</summary>
    private int? CallingCpu() => t_cpu is { } self && self.Machine == this ? self.Id : null;

    private void EnsureCoordinatorThread(string what)
    {
        if (t_cpu is { } self && self.Machine == this)
        {
            throw new InvalidOperationException($"CPU {self.Id} cannot {what} from inside its body: it would wait for itself");
        }
    }
}
