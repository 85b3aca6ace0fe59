using System.Diagnostics;
using System.Runtime.CompilerServices;
using PcpTestbed.Execution.Cpus;
using PcpTestbed.Execution.Recorder;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Locking;

/// <summary>
/// Runs the model on real OS threads: <see cref="EmuSpinLock"/> becomes a test-and-test-and-set spin lock and
/// the atomics are <see cref="Interlocked"/>. <typeparamref name="TProbe"/> observes every lock operation
/// (<see cref="NoLockProbe"/> for none, <see cref="LockStat.LockStatProbe"/> for lock_stat).
/// </summary>
/// <remarks>
/// <para>
/// <b>Semantics.</b> <see cref="TryLock"/> is <c>queued_spin_trylock()</c>: read the lock word, fail if it is
/// held or a CPU waits for it, else one CAS from 0 to <c>cpu + 1</c>; it fails when that CAS loses, never retries
/// and never waits.
/// <see cref="Lock"/> tries the same fast path; when it fails the acquisition is a contention: the CPU counts
/// itself in <see cref="EmuSpinLock.Waiters"/> and spins reading the lock word (no CAS while it is held, so
/// waiters do not steal the line from the holder), pausing with <see cref="Thread.SpinWait(int)"/> between reads,
/// and CASes only when it reads the lock free. After <see cref="SpinsBeforeYield"/> reads it calls
/// <see cref="Thread.Yield"/> and starts over, so 64 emulated CPUs on 2 host cores make progress when the holder
/// is a preempted thread. It never sleeps. While any CPU waits, <see cref="TryLock"/> fails, even in the instant the
/// lock word reads free: qspinlock's first waiter sets the pending bit and later ones the MCS tail
/// (<c>queued_spin_lock_slowpath()</c> in kernel/locking/qspinlock.c), and <c>queued_spin_trylock()</c>
/// (include/asm-generic/qspinlock.h) fails on any non-zero lock word, so a trylock never takes the lock from under a
/// waiter. Without that rule a CPU draining another CPU's PCP starved: the owner re-takes its pcp->lock with
/// trylock at every allocation and free, and holds it across its long waits for zone->lock, so the drainer's
/// spin_lock() lost for tens of seconds on an oversubscribed host and the soak gave up on it (issue 16).
/// <see cref="Unlock"/> runs the probe while still holding the lock, then releases it with one
/// <see cref="Volatile.Write(ref int, int)"/>.
/// </para>
/// <para>
/// <b>Difference from the kernel.</b> The kernel's qspinlock is FIFO-fair: contended waiters queue on per-CPU
/// MCS nodes, each spinning on its own cache line, and the lock is handed over in arrival order. This lock is
/// unfair: whichever waiter CASes first after a release wins, the releasing CPU can retake the lock at once,
/// and all waiters spin on the lock's line; a new spin_lock() may take a free lock ahead of them too, where
/// qspinlock would queue it (a trylock cannot, see above). We accept that because a fair queue lock on
/// preemptible user threads convoys: a release handed to a waiter whose thread is descheduled stalls every CPU behind it for a whole
/// host time slice. The kernel avoids that by spinning with preemption disabled (and paravirt qspinlock halts
/// preempted vCPUs); an oversubscribed user process cannot. Consequences to keep in mind when comparing with
/// a kernel's lock_stat: wait-time tails are longer and less regular (a waiter can lose several rounds),
/// and bounces are higher under heavy contention. Trylock semantics, which the PCP fast paths use, are the
/// kernel's exactly.
/// </para>
/// <para>
/// A wait longer than the lock wait timeout (default <see cref="DefaultLockWaitTimeoutSeconds"/> s) throws
/// <see cref="LockWaitTimeoutException"/> naming the holder: in this testbed that is a deadlock or a CPU that
/// died holding a lock, not contention.
/// </para>
/// <para>
/// <b>What a CPU is doing.</b> With a <see cref="CpuActivityTable"/>, <see cref="OpBegin"/> and <see cref="OpEnd"/>
/// note the allocator entry point each CPU is in, and a contended <see cref="Lock"/> notes the lock it spins on and
/// since when, each in the CPU's own record, for the stuck-CPU report (<see cref="CpuWatchdog"/>). The locks a CPU
/// holds are not recorded: the report reads them from the lock words.
/// </para>
/// </remarks>
public readonly struct OsExecution<TProbe> : IExecution
    where TProbe : struct, ILockProbe
{
    /// <summary>
    /// Reads of a held lock before yielding the host core. <see cref="Thread.SpinWait(int)"/> is normalized by the
    /// runtime to a fixed duration per iteration (about 85 ns measured on the 2-core EPYC dev host), so this is a
    /// few µs: about one zone->lock batch refill and many pcp->lock holds, so a waiter whose holder is running
    /// on another core rarely yields (a sched_yield that switches costs about 3 µs there), while a waiter whose
    /// holder is a preempted thread gives the core back within microseconds instead of spinning out its time slice.
    /// </summary>
    public const int SpinsBeforeYield = 64;

    public const int DefaultLockWaitTimeoutSeconds = 60;

    private readonly TProbe _probe;
    private readonly long _lockWaitTimeoutTicks;

    /// <summary>The activity table's records (<see cref="CpuActivityTable.Records"/>): each note indexes its CPU's record directly, a load fewer than through the table.</summary>
    private readonly CpuActivity[]? _activity;
    private readonly FlightRecorder? _recorder;

    public OsExecution(TProbe probe)
        : this(probe, TimeSpan.FromSeconds(DefaultLockWaitTimeoutSeconds))
    {
    }

    public OsExecution(TProbe probe, TimeSpan lockWaitTimeout)
        : this(probe, null, lockWaitTimeout)
    {
    }

    /// <param name="activity">Where each CPU notes what it is doing, for the stuck-CPU report; null notes nothing.</param>
    public OsExecution(TProbe probe, CpuActivityTable? activity, TimeSpan? lockWaitTimeout = null)
        : this(probe, activity, null, lockWaitTimeout)
    {
    }

    /// <param name="activity">Where each CPU notes what it is doing, for the stuck-CPU report; null notes nothing.</param>
    /// <param name="recorder">The flight recorder each CPU writes its operations to; null records nothing.</param>
    public OsExecution(TProbe probe, CpuActivityTable? activity, FlightRecorder? recorder, TimeSpan? lockWaitTimeout = null)
    {
        if (recorder != null && !ReferenceEquals(recorder.Activity, activity))
        {
            throw new ArgumentException("the flight recorder reads the CPUs' activity records: give the table it was built over", nameof(recorder));
        }

        _recorder = recorder;
        var timeout = lockWaitTimeout ?? TimeSpan.FromSeconds(DefaultLockWaitTimeoutSeconds);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        _probe = probe;
        _activity = activity?.Records;
        _lockWaitTimeoutTicks = (long)(timeout.TotalSeconds * Stopwatch.Frequency);
    }

    public TProbe Probe => _probe;

    /// <summary>spin_lock(): the trylock fast path, else a contended wait (see the type remarks).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Lock(ref EmuSpinLock l, int cpu, LockSite site)
    {
        if (TProbe.Interrupts)
        {
            _probe.Interrupt(PointSites.Of(site));
        }

        // The CAS from 0 reserves the lock for cpu; the read before it keeps a held lock's line shared. Unlike
        // queued_spin_lock() it does not queue behind waiters (see the type remarks).
        if (Volatile.Read(ref l.State) != 0 || Interlocked.CompareExchange(ref l.State, cpu + 1, 0) != 0)
        {
            LockContended(ref l, cpu, site);
            return;
        }

        Acquired(ref l, cpu, site, waitStart: 0);
    }

    /// <summary>spin_trylock(): one read and at most one CAS; a failure is reported to the probe.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryLock(ref EmuSpinLock l, int cpu, LockSite site)
    {
        if (TProbe.Interrupts)
        {
            _probe.Interrupt(PointSites.Of(site));
        }

        // The CAS from 0 reserves the lock for cpu; a waiter or losing the CAS is a trylock failure, as in
        // queued_spin_trylock(), which fails on any non-zero lock word (locked, pending or a queue tail).
        if (Volatile.Read(ref l.State) != 0 || Volatile.Read(ref l.Waiters) != 0 || Interlocked.CompareExchange(ref l.State, cpu + 1, 0) != 0)
        {
            _probe.TrylockFailed(ref l, cpu, site);
            return false;
        }

        Acquired(ref l, cpu, site, waitStart: 0);
        return true;
    }

    /// <summary>spin_unlock(): the probe sees the hold end, then the release publishes the critical section.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Unlock(ref EmuSpinLock l, int cpu)
    {
        if (l.State != cpu + 1)
        {
            ThrowNotHolder(ref l, cpu);
        }

        _probe.Releasing(ref l, cpu);

        // Publishes every write made under the lock to the next holder, whose acquiring CAS pairs with it.
        Volatile.Write(ref l.State, 0);
    }

    /// <summary>Lock checks need the lockdep execution around this one (<see cref="PcpTestbed.Execution.Lockdep.LockdepExecution{TExec}"/>).</summary>
    public bool Lockdep => false;

    /// <summary>Nothing to do on OS threads (the hardware interleaves for real), but an injected interrupt.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SharedRead(SharedLocation location, AccessSite site)
    {
        if (TProbe.Interrupts)
        {
            _probe.Interrupt(PointSites.Of(site));
        }
    }

    /// <summary>Nothing to do on OS threads (the hardware interleaves for real), but an injected interrupt.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SharedWrite(SharedLocation location, AccessSite site)
    {
        if (TProbe.Interrupts)
        {
            _probe.Interrupt(PointSites.Of(site));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int CompareExchange(ref int target, int value, int comparand, SharedLocation location, AccessSite site)
    {
        if (TProbe.Interrupts)
        {
            _probe.Interrupt(PointSites.Of(site));
        }

        return Interlocked.CompareExchange(ref target, value, comparand);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Exchange(ref int target, int value, SharedLocation location, AccessSite site)
    {
        if (TProbe.Interrupts)
        {
            _probe.Interrupt(PointSites.Of(site));
        }

        return Interlocked.Exchange(ref target, value);
    }

    /// <summary>Unchecked on bare OS threads; <see cref="PcpTestbed.Execution.Lockdep.LockdepExecution{TExec}"/> checks it.</summary>
    public void AssertHeld(ref EmuSpinLock l, string where)
    {
    }

    /// <summary>A few plain stores into the CPU's own activity record (none without one); the flight recorder adds nothing here.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void OpBegin(int cpu, AllocatorOp op, long arg0, long arg1)
    {
        if (_activity != null)
        {
            _activity[cpu].Begin(op, arg0, arg1);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void OpFolio(int cpu, long pfn, int order) => _recorder?.Folio(cpu, pfn, order);

    /// <summary>The flight recorder's entry, from the activity record OpBegin wrote, if it records, and the record's end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void OpEnd(int cpu, long result)
    {
        if (_activity != null)
        {
            // The recorder's records are these (the constructor checks): the fast path needs nothing else of it.
            ref var a = ref _activity[cpu];
            _recorder?.Record(ref a, result);
            a.End();
        }
    }

    public void Work(WorkKind kind, int units)
    {
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Acquired(ref EmuSpinLock l, int cpu, LockSite site, long waitStart)
    {
        // The site first: a probe may hold the lock a long while (an injected hold delay), and a waiter or the
        // stuck-CPU report reading the site meanwhile must see this hold's.
        l.HoldSite = site;
        _probe.Acquired(ref l, cpu, site, waitStart);
        l.LastHolder = cpu + 1;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void LockContended(ref EmuSpinLock l, int cpu, LockSite site)
    {
        if (Volatile.Read(ref l.State) == cpu + 1)
        {
            // lockdep's "recursive locking detected": spinning would only end in the timeout.
            throw new LockWaitTimeoutException(
                $"recursive locking: CPU {cpu} takes {Describe(ref l)} at {LockSites.KernelName(site)} while holding it " +
                $"since {LockSites.KernelName(l.HoldSite)}");
        }

        var waitStart = _probe.Contended(ref l, cpu, site);
        if (_activity != null)
        {
            _activity[cpu].WaitBegin(ref l, site);
        }

        // From here until it holds the lock, trylocks fail and new lockers queue behind this CPU (see the type remarks).
        Interlocked.Increment(ref l.Waiters);
        var spins = 0;
        long deadline = 0;
        var seen = Volatile.Read(ref l.State);
        var handovers = 0;
        while (true)
        {
            // The CAS from 0 reserves the lock for cpu; it is tried only after a read saw the lock free.
            var state = Volatile.Read(ref l.State);
            if (state == 0 && Interlocked.CompareExchange(ref l.State, cpu + 1, 0) == 0)
            {
                Interlocked.Decrement(ref l.Waiters);
                break;
            }

            // The lock was released or went to another CPU: the stuck-CPU report tells starvation from a lock never released by this.
            if (state != seen)
            {
                seen = state;
                handovers++;
                if (_activity != null)
                {
                    _activity[cpu].WaitHandover(handovers);
                }
            }

            if (spins < SpinsBeforeYield)
            {
                spins++;
                Thread.SpinWait(1);
                continue;
            }

            spins = 0;
            Thread.Yield();

            // The clock is read once per yield round only: it costs more than a spin iteration.
            var now = Stopwatch.GetTimestamp();
            if (deadline == 0)
            {
                deadline = now + _lockWaitTimeoutTicks;
            }
            else if (now > deadline)
            {
                Interlocked.Decrement(ref l.Waiters);
                ThrowWaitTimeout(ref l, cpu, site);
            }
        }

        if (_activity != null)
        {
            _activity[cpu].WaitEnd();
        }

        Acquired(ref l, cpu, site, waitStart);
    }

    private void ThrowWaitTimeout(ref EmuSpinLock l, int cpu, LockSite site)
    {
        // Racy reads of the holder: good enough to name a deadlock.
        var holder = Volatile.Read(ref l.State) - 1;
        throw new LockWaitTimeoutException(
            $"CPU {cpu} waited more than {_lockWaitTimeoutTicks / (double)Stopwatch.Frequency:0.#} s for {Describe(ref l)} " +
            $"at {LockSites.KernelName(site)}; held by CPU {holder} since {LockSites.KernelName(l.HoldSite)}");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowNotHolder(ref EmuSpinLock l, int cpu) =>
        throw new InvalidOperationException($"CPU {cpu} releases {Describe(ref l)} held by CPU {l.HolderCpu}");

    private static string Describe(ref EmuSpinLock l) => $"{LockClasses.Name(l.Class)}#{l.Instance}";
}
