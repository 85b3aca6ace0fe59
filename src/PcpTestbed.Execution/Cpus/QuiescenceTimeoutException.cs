namespace PcpTestbed.Execution.Cpus;

/// <summary>Emulated CPUs did not reach a quiescent point (or finish) within the coordinator's timeout.</summary>
public sealed class QuiescenceTimeoutException : TimeoutException
{
    public QuiescenceTimeoutException(string message, IReadOnlyList<int> cpus)
        : base(message)
    {
        Cpus = cpus;
    }

    /// <summary>The CPUs that did not get there.</summary>
    public IReadOnlyList<int> Cpus { get; }
}
