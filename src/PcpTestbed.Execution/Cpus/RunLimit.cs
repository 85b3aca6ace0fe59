namespace PcpTestbed.Execution.Cpus;

/// <summary>
/// When a run of a <see cref="CpuMachine"/> ends: after an operation budget per CPU (counted at quiescent
/// points), at a deadline, whichever comes first, or only when the coordinator calls
/// <see cref="CpuMachine.RequestStop"/> if neither is given.
/// </summary>
public readonly record struct RunLimit(long? OperationsPerCpu = null, TimeSpan? Duration = null)
{
    public static RunLimit Operations(long perCpu)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(perCpu);
        return new RunLimit(OperationsPerCpu: perCpu);
    }

    public static RunLimit For(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        return new RunLimit(Duration: duration);
    }

    /// <summary>Runs until <see cref="CpuMachine.RequestStop"/>.</summary>
    public static RunLimit UntilStopped => default;
}
