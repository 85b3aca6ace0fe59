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
/// </summary>
internal sealed class CoyoteController : IIterationController
{
    /// <summary>Yields a waiter makes before it parks until the lock is released.</summary>
    private const int YieldsBeforePark = 2;

    private readonly System.Threading.SemaphoreSlim?[] _park;
    private readonly bool[] _parked;
    private readonly (LockClass Class, int Instance)[] _parkedOn;

    public CoyoteController(int cpus)
    {
        _park = new System.Threading.SemaphoreSlim?[cpus];
        _parked = new bool[cpus];
        _parkedOn = new (LockClass, int)[cpus];
    }

    public void Point(IterationState state, int cpu, in PendingStep step)
    {
        switch (step.Kind)
        {
            case PointKind.Read:
                state.CountStep(cpu);
                SchedulingPoint.Read(step.Location.Name);
                break;
            case PointKind.Write or PointKind.CompareExchange or PointKind.Exchange:
                state.CountStep(cpu);
                SchedulingPoint.Write(step.Location.Name);
                break;
            case PointKind.Lock or PointKind.TryLock or PointKind.LockElided or PointKind.AfterUnlock:
                state.CountStep(cpu);
                SchedulingPoint.Interleave();
                break;
            default:
                // Start, operation boundaries and the point before a release: not Coyote's points.
                break;
        }
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
            threads[i] = CThread.Create(() => run(script));
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
