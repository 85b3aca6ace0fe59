using System.Diagnostics.CodeAnalysis;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote;

/// <summary>
/// How an iteration is scheduled: the part of a controlled run that differs between Coyote
/// (<see cref="CoyoteController"/>) and our own scheduler (<see cref="Dfs.DfsController"/>). The
/// <see cref="IterationState"/> knows what the CPUs do (operations, locks held and waited for, the step log, lockdep,
/// coverage); the controller decides who runs, and how a CPU waits and a failure stops the iteration.
/// </summary>
internal interface IIterationController
{
    /// <summary>
    /// A scheduling point: <paramref name="cpu"/>, the running CPU, is about to do <paramref name="step"/>. The
    /// controller may let another CPU run first; it returns when <paramref name="cpu"/> runs again. A controller that does
    /// not schedule at this kind returns at once. Each point it does schedule counts against the operation's step budget
    /// (<see cref="IterationState.CountStep"/>).
    /// </summary>
    void Point(IterationState state, int cpu, in PendingStep step);

    /// <summary>
    /// <paramref name="cpu"/> tried to take <paramref name="l"/> with spin_lock() and found it held; it is now a waiter
    /// (<see cref="IterationState.IsWaiting"/>). Returns when the CPU should try again; the caller's next point is that
    /// attempt. <paramref name="attempts"/> counts the failed attempts of this acquisition, for the spin budget.
    /// </summary>
    void AwaitRelease(IterationState state, int cpu, ref EmuSpinLock l, LockSite site, ref int attempts);

    /// <summary>A lock was released (waiters of it may run again).</summary>
    void Released(LockClass c, int instance);

    /// <summary>
    /// <paramref name="cpu"/> waits in scenario code for what other CPUs' scripts will do (<see cref="IterationState.ScenarioWaitPoint"/>).
    /// Returns when it should check again (true), or false when no other CPU can run, so what it waits for can never come.
    /// </summary>
    bool AwaitScenario(IterationState state, int cpu, SharedLocation location);

    /// <summary>A script's operation ended, so what a scenario's waits wait for may have come: they check again.</summary>
    void ScenarioChanged();

    /// <summary>Ends the iteration with its first violation (already recorded in the state). Never returns.</summary>
    [DoesNotReturn]
    void Fail(string message);

    /// <summary>
    /// Runs every script, each as its CPU on a thread of its own, through <paramref name="run"/>, and returns when all
    /// have ended. Setup is over: the state schedules.
    /// </summary>
    void RunScripts(IterationState state, IReadOnlyList<CpuScript> scripts, Action<CpuScript> run);
}
