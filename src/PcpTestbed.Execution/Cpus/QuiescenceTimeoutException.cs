namespace PcpTestbed.Execution.Cpus;

/// <summary>
/// Emulated CPUs did not reach a quiescent point (or finish) within the coordinator's timeout. <see cref="Report"/>
/// says what each was doing and whether that looks like a failure of the design or of the testbed; when a CPU died
/// holding a lock the others wait for, what it died of is the <see cref="Exception.InnerException"/>.
/// </summary>
public sealed class QuiescenceTimeoutException : TimeoutException
{
    public QuiescenceTimeoutException(string message, IReadOnlyList<int> cpus, StuckCpuReport? report = null, Exception? holderFault = null)
        : base(message, holderFault)
    {
        Cpus = cpus;
        Report = report;
    }

    /// <summary>The CPUs that did not get there.</summary>
    public IReadOnlyList<int> Cpus { get; }

    /// <summary>The watchdog's report, taken when the wait ran out; null where none was taken (CPU threads that never started).</summary>
    public StuckCpuReport? Report { get; }
}
