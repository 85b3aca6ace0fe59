namespace PcpTestbed.Workloads.Run;

/// <summary>What runs the emulated CPUs.</summary>
public enum RunEngine
{
    /// <summary>One OS thread per emulated CPU (<see cref="Execution.Cpus.CpuMachine"/>): host time, host scheduling.</summary>
    Threads,

    /// <summary>
    /// The virtual-time engine (<see cref="Execution.Virtual.VirtualMachine"/>): every CPU on one host thread in virtual-time
    /// order, charged from a cost model; deterministic.
    /// </summary>
    Virtual,
}
