namespace PcpTestbed.Execution.Clocks;

/// <summary>
/// The time a run is measured in, from whichever engine runs it: host time on OS threads
/// (<see cref="HostEngineClock"/>), virtual time under the virtual-time engine
/// (<see cref="Virtual.VirtualMachine"/>). Anything periodic in a run (decay_pcp_high() once a second, audits,
/// an exit workload's waves) reads this clock, never a stopwatch, so the same code is deterministic in virtual time.
/// </summary>
public interface IEngineClock
{
    /// <summary>True when times are virtual (charged from a cost model), false when they are the host's.</summary>
    bool IsVirtual { get; }

    /// <summary>
    /// ns since the run started, as CPU <paramref name="cpu"/> sees it: on OS threads the host clock, the same for
    /// every CPU; in virtual time that CPU's own clock, which runs ahead of the others' while it does its work.
    /// </summary>
    long NowNs(int cpu);

    /// <summary>
    /// ns since the run started, as a coordinator sees it: on OS threads the host clock; in virtual time the clock
    /// every CPU has reached (the earliest CPU's), so nothing before it can still happen.
    /// </summary>
    long ElapsedNs { get; }
}
