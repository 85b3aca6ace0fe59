namespace PcpTestbed.Execution.Virtual;

/// <summary>How a <see cref="VirtualMachine.Run"/> went, in virtual time.</summary>
/// <param name="StartNs">The machine's time when the run began (the earliest runnable CPU's clock).</param>
/// <param name="EndNs">The latest CPU clock when the run ended: every step counted ran inside [start, end].</param>
/// <param name="StepsPerCpu">Steps each CPU ran in this run.</param>
public sealed record VirtualRunResult(long StartNs, long EndNs, IReadOnlyList<long> StepsPerCpu)
{
    public long ElapsedNs => EndNs - StartNs;

    public long Steps => StepsPerCpu.Sum();
}
