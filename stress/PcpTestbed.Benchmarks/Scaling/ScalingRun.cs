namespace PcpTestbed.Benchmarks.Scaling;

/// <summary>One page-fault run of the scaling measurement.</summary>
/// <param name="Harness">"runner" (<c>Runner.Run</c> on a <c>CpuMachine</c>) or "bare" (<see cref="BareScaling"/>).</param>
/// <param name="CpuSecondsPerSecond">The CPU threads' CPU time over wall time while they ran: how many host cores the run really got.</param>
/// <param name="PreemptionsPerSecond">Nonvoluntary context switches of the CPU threads per second: the host's other load taking the cores.</param>
public sealed record ScalingRun(string Harness, int Cpus, int Repeat, double OpsPerSecond, double Seconds, double CpuSecondsPerSecond, double PreemptionsPerSecond, string Load)
{
    /// <summary>Operations per second of CPU time the CPU threads got: flat from 1 to 2 CPUs when nothing serializes them.</summary>
    public double OpsPerCoreSecond => OpsPerSecond / CpuSecondsPerSecond;
}
