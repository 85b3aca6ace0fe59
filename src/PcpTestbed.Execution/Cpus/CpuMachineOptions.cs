namespace PcpTestbed.Execution.Cpus;

/// <summary>How to build a <see cref="CpuMachine"/>.</summary>
/// <param name="CpuCount">Emulated CPUs, each an OS thread; independent of the host's core count.</param>
/// <param name="Pin">Pin CPU i to the i % n-th host core the process may run on (Linux only).</param>
/// <param name="QuiescenceTimeout">
/// How long the coordinator waits for CPUs to reach a quiescent point (or to start, or to finish after the run
/// is over) before it names the ones that did not. Generous: an operation on an oversubscribed host can wait
/// out many host time slices.
/// </param>
public sealed record CpuMachineOptions(int CpuCount, bool Pin = false, TimeSpan? QuiescenceTimeout = null)
{
    public static readonly TimeSpan DefaultQuiescenceTimeout = TimeSpan.FromSeconds(30);

    public TimeSpan EffectiveQuiescenceTimeout => QuiescenceTimeout ?? DefaultQuiescenceTimeout;

    /// <summary>
    /// Samples the CPUs while the coordinator waits and reports the ones that miss a quiescent point. Without one the
    /// machine keeps a bare watchdog, whose reports give CPU states only.
    /// </summary>
    public CpuWatchdog? Watchdog { get; init; }

    /// <summary>
    /// Called with the stuck-CPU report as soon as a wait runs out, before it throws: on the coordinator thread, or on the
    /// CPU's that waited for another to go offline.
    /// </summary>
    public Action<StuckCpuReport>? OnStuck { get; init; }

    /// <summary>
    /// Called on a CPU's own thread with what its body threw, at once, before the run is told to stop: the moment of the
    /// fault, before any audit that the others' stop lets run (a flight recorder cuts its window here).
    /// </summary>
    public Action<int, Exception>? OnFault { get; init; }
}
