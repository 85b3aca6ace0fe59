using System.Diagnostics.CodeAnalysis;
using Microsoft.Coyote.Runtime;
using Microsoft.Coyote.Specifications;
using PcpTestbed.Model.Sync;
using CSemaphoreSlim = Microsoft.Coyote.Rewriting.Types.Threading.SemaphoreSlim;
using CThread = Microsoft.Coyote.Rewriting.Types.Threading.Thread;

namespace PcpTestbed.Coyote;

/// <summary>
/// Coyote schedules the iteration: each CPU script is a controlled thread (<c>Thread.Create/Start/Join</c>), a lock,
/// trylock or elided attempt and the point after a release are <c>SchedulingPoint.Interleave()</c>, a read is
/// <c>SchedulingPoint.Read</c> and a write or atomic <c>SchedulingPoint.Write</c> with the location's name as the shared
/// state; operation boundaries and the point before a release are not Coyote's points (they never were: traces keep
/// replaying). A waiter yields twice, then parks on a controlled semaphore until a release: a waiter that stayed runnable
/// would starve the holder under unfair strategies (PCT ignores Yield), a livelock of the test, not of the design. A
/// failure is <c>Specification.Assert</c>: Coyote records it, interrupts every controlled thread and stops exploring.
/// Injected interrupts (<see cref="IterationState.Interrupts"/>) stall their CPU here, the one place they land.
/// </summary>
internal sealed class CoyoteController : IIterationController
{
    /// <summary>Yields a waiter makes before it parks until the lock is released.</summary>
    private const int YieldsBeforePark = 2;

    private readonly System.Threading.SemaphoreSlim?[] _park;
    private readonly bool[] _parked;
    private readonly (LockClass Class, int Instance)[] _parkedOn;

    /// <summary>Per CPU: its script's thread runs (started, not ended).</summary>
    private readonly bool[] _running;

    /// <summary>Per CPU: stalled by an interrupt until <see cref="_steps"/> reaches this (0: not stalled).</summary>
    private readonly long[] _stalledUntil;

    private readonly System.Threading.SemaphoreSlim?[] _stall;

    /// <summary>Per CPU: parked in a scenario's wait (<see cref="AwaitScenario"/>) until a script's operation ends.</summary>
    private readonly bool[] _waiting;

    private readonly System.Threading.SemaphoreSlim?[] _wake;

    /// <summary>Scheduling points taken so far, by every CPU (a stalled CPU takes none); counted only in an iteration with interrupts.</summary>
    private long _steps;

    /// <summary>The iteration's draws for interrupts at under 100% of points (Coyote's controlled randomness: a trace replays them).</summary>
    private Microsoft.Coyote.Random.Generator? _random;

    public CoyoteController(int cpus)
    {
        _park = new System.Threading.SemaphoreSlim?[cpus];
        _parked = new bool[cpus];
        _parkedOn = new (LockClass, int)[cpus];
        _running = new bool[cpus];
        _stalledUntil = new long[cpus];
        _stall = new System.Threading.SemaphoreSlim?[cpus];
        _waiting = new bool[cpus];
        _wake = new System.Threading.SemaphoreSlim?[cpus];
    }

    public void Point(IterationState state, int cpu, in PendingStep step)
    {
        switch (step.Kind)
        {
            case PointKind.Read:
                Step(state, cpu);
                SchedulingPoint.Read(step.Location.Name);
                break;
            case PointKind.Write or PointKind.CompareExchange or PointKind.Exchange:
                Step(state, cpu);
                SchedulingPoint.Write(step.Location.Name);
                break;
            case PointKind.Lock or PointKind.TryLock or PointKind.LockElided or PointKind.AfterUnlock:
                Step(state, cpu);
                SchedulingPoint.Interleave();
                break;
            default:
                // Start, operation boundaries and the point before a release: not Coyote's points.
                return;
        }

        // An injected interrupt: before the access or the lock attempt, as on threads (a spin_lock()'s retries take none).
        if (state.Interrupts is { } irq && irq.At(step) && !state.IsWaiting(cpu) && !state.HoldsZoneLock(cpu) &&
            (irq.Percent >= 100 || (_random ??= Microsoft.Coyote.Random.Generator.Create()).NextInteger(100) < irq.Percent))
        {
            Stall(cpu, irq.Steps);
        }
    }

    /// <summary>
    /// A scheduling point of <paramref name="cpu"/>'s: counted, and the stalls it ends (the other CPUs took their steps) end. Without
    /// interrupts (the catalogue's scenarios) there is nothing more to do; with them every CPU's stall is compared with the count
    /// (a few CPUs: no cached earliest stall to keep in step with <see cref="Stall"/> and <see cref="UnstallIfStuck"/>).
    /// </summary>
    private void Step(IterationState state, int cpu)
    {
        state.CountStep(cpu);
        if (state.Interrupts is null)
        {
            return;
        }

        _steps++;
        for (var other = 0; other < _stalledUntil.Length; other++)
        {
            if (_stalledUntil[other] != 0 && _steps >= _stalledUntil[other])
            {
                Unstall(other);
            }
        }
    }

    /// <summary>
    /// An interrupt's stall: <paramref name="cpu"/> parks on a controlled semaphore (so no strategy can run it meanwhile, PCT
    /// included) until the other CPUs have taken <paramref name="steps"/> scheduling steps, or none of them can run. Parking
    /// and its release are Coyote's scheduling decisions: a trace replays them.
    /// </summary>
    private void Stall(int cpu, int steps)
    {
        _stalledUntil[cpu] = _steps + steps;
        if (!AnyRunnable())
        {
            _stalledUntil[cpu] = 0;
            return;
        }

        _stall[cpu] ??= CSemaphoreSlim.Create(0);
        CSemaphoreSlim.Wait(_stall[cpu]!);
    }

    private void Unstall(int cpu)
    {
        _stalledUntil[cpu] = 0;
        CSemaphoreSlim.Release(_stall[cpu]!);
    }

    /// <summary>Whether a CPU's script can run: started, not ended, not waiting for a lock, not stalled, not in a scenario's wait.</summary>
    private bool AnyRunnable()
    {
        for (var cpu = 0; cpu < _running.Length; cpu++)
        {
            if (_running[cpu] && !_parked[cpu] && _stalledUntil[cpu] == 0 && !_waiting[cpu])
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// When no CPU can run (the last runnable one parks, waits or ends), the longest-stalled CPU's interrupt ends: a stall never
    /// deadlocks. With none stalled, the first CPU in a scenario's wait checks again, and gives up (<see cref="AwaitScenario"/>).
    /// </summary>
    private void UnstallIfStuck()
    {
        if (CanRunOn())
        {
            return;
        }

        for (var cpu = 0; cpu < _waiting.Length; cpu++)
        {
            if (_waiting[cpu])
            {
                Wake(cpu);
                return;
            }
        }
    }

    /// <summary>Whether some CPU can run, once the longest-stalled CPU's interrupt is ended if none could.</summary>
    private bool CanRunOn() => AnyRunnable() || UnstallFirst();

    /// <summary>Ends the longest-stalled CPU's interrupt; whether one was stalled.</summary>
    private bool UnstallFirst()
    {
        var first = -1;
        for (var cpu = 0; cpu < _stalledUntil.Length; cpu++)
        {
            if (_stalledUntil[cpu] != 0 && (first < 0 || _stalledUntil[cpu] < _stalledUntil[first]))
            {
                first = cpu;
            }
        }

        if (first >= 0)
        {
            Unstall(first);
        }

        return first >= 0;
    }

    /// <summary>
    /// A scenario's wait (a reproduction's death for its victim, a free for its page's allocation, a parked CPU for its online):
    /// <paramref name="cpu"/> parks on a controlled semaphore until a script's operation ends (<see cref="ScenarioChanged"/>), the
    /// only time what it waits for can come, and then checks again. Until 2026-12-08 it was a read the engine scheduled like
    /// any other, and a waiter took a scheduling point each time a strategy picked it, each one a check that could not have
    /// changed since the last: on absorb-without-owner-check's seed-603 file (`explore --from-repro FILE --time-budget 40` at
    /// 9045d0e with local counters, 2026-12-08 00:06-00:07, load 13-20) they were 494k of the 1.09M points of 702
    /// iterations, and 44,701 of 72,974 in an iteration of the whole window (4.1 s). Parked, it takes none, and the points
    /// the others take while it waits are all the design's (an interrupt's stall counts them: <see cref="Step"/>). When no
    /// other CPU can run (after a stalled one's interrupt ends), what it waits for can never come: false, and it gives up.
    /// </summary>
    public bool AwaitScenario(IterationState state, int cpu, SharedLocation location)
    {
        _waiting[cpu] = true;
        if (!CanRunOn())
        {
            _waiting[cpu] = false;
            return false;
        }

        _wake[cpu] ??= CSemaphoreSlim.Create(0);
        CSemaphoreSlim.Wait(_wake[cpu]!);
        return true;
    }

    public void ScenarioChanged()
    {
        for (var cpu = 0; cpu < _waiting.Length; cpu++)
        {
            if (_waiting[cpu])
            {
                Wake(cpu);
            }
        }
    }

    private void Wake(int cpu)
    {
        _waiting[cpu] = false;
        CSemaphoreSlim.Release(_wake[cpu]!);
    }

    public void AwaitRelease(IterationState state, int cpu, ref EmuSpinLock l, LockSite site, ref int attempts)
    {
        var yields = 0;
        while (Volatile.Read(ref l.State) != 0)
        {
            if (++attempts > IterationState.SpinBudget)
            {
                state.Fail($"[liveness] operation never completes: CPU {cpu} spins on {LockClasses.InstanceName(l.Class, l.Instance)} held by CPU {l.HolderCpu} " +
                           $"at {LockSites.KernelName(l.HoldSite)} ({IterationState.SpinBudget} attempts from {LockSites.KernelName(site)} in {state.OperationOf(cpu)})");
            }

            if (yields++ < YieldsBeforePark)
            {
                state.CountStep(cpu);
                SchedulingPoint.Yield();
                continue;
            }

            // Parking instead of spinning on: see the type remarks.
            state.CheckWaitChain(cpu, ref l, site);
            _park[cpu] ??= CSemaphoreSlim.Create(0);
            _parked[cpu] = true;
            _parkedOn[cpu] = (l.Class, l.Instance);
            UnstallIfStuck();
            CSemaphoreSlim.Wait(_park[cpu]!);
        }
    }

    public void Released(LockClass c, int instance)
    {
        for (var other = 0; other < _parked.Length; other++)
        {
            if (_parked[other] && _parkedOn[other] == (c, instance))
            {
                _parked[other] = false;
                CSemaphoreSlim.Release(_park[other]!);
            }
        }
    }

    [DoesNotReturn]
    public void Fail(string message)
    {
        // The message goes through string.Format inside Coyote: pass it as an argument, never as the format.
        Specification.Assert(false, "{0}", message);
        throw new InvalidOperationException(message); // only reached outside a Coyote engine
    }

    public void RunScripts(IterationState state, IReadOnlyList<CpuScript> scripts, Action<CpuScript> run)
    {
        var threads = new System.Threading.Thread[scripts.Count];
        for (var i = 0; i < scripts.Count; i++)
        {
            var script = scripts[i];
            _running[script.Cpu] = true;
            threads[i] = CThread.Create(() =>
            {
                run(script);
                _running[script.Cpu] = false;
                UnstallIfStuck();
            });
        }

        foreach (var t in threads)
        {
            CThread.Start(t);
        }

        foreach (var t in threads)
        {
            CThread.Join(t);
        }
    }
}
