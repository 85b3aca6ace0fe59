namespace PcpTestbed.Execution.Cpus;

/// <summary>
/// Work pending on an emulated CPU, raised by another thread with <see cref="CpuMachine.Signal"/> and taken by the CPU
/// at its next quiescent point (<see cref="CpuContext.QuiescentPoint(out CpuSignals)"/>), like the kernel's pending
/// softirq bits, which a CPU looks at when it leaves an interrupt. They share the CPU's control word with the
/// machine's own requests (park, offline, stop), so a quiescent point with nothing pending is still one read of that
/// word. What each bit means to the body is the body's business; the machine only delivers them.
/// </summary>
[Flags]
public enum CpuSignals
{
    None = 0,

    /// <summary>Work was posted to the CPU (a mailbox slot): page_alloc_cpu_dead() for another CPU, a memory hog.</summary>
    PostedWork = 1 << 8,

    /// <summary>A periodic job is due on the CPU (vmstat_update()'s decay_pcp_high() once a second).</summary>
    Timer = 1 << 9,

    /// <summary>Another CPU sent this one work to do at once (a TLB shootdown IPI).</summary>
    Interrupt = 1 << 10,
}
