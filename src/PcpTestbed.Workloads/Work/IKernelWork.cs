namespace PcpTestbed.Workloads.Work;

/// <summary>
/// How an engine makes an emulated CPU do the kernel work a workload charges (<see cref="KernelWork"/>): on OS threads
/// real memory traffic and calibrated busy time (<see cref="HostKernelWork"/>); in virtual time a charge to the CPU's
/// clock (<see cref="VirtualKernelWork"/>, <c>VirtualMachine.Charge</c>). Every call but <see cref="Interrupt"/> comes
/// from the CPU's own thread (or, in virtual time, its own step) and charges that CPU.
/// </summary>
public interface IKernelWork
{
    /// <summary>The engine, for the report: <c>host</c> or <c>virtual</c>.</summary>
    string Engine { get; }

    /// <summary><paramref name="cpu"/> works for <paramref name="ns"/> on <paramref name="item"/> (busy, never asleep).</summary>
    void Spend(int cpu, KernelWorkItem item, long ns);

    /// <summary>
    /// <paramref name="cpu"/> clears a page, <paramref name="ns"/> in all: on OS threads a real clear of the CPU's own
    /// 4 KiB buffer (real memory traffic), topped up with busy time to <paramref name="ns"/>.
    /// </summary>
    void ClearPage(int cpu, long ns);

    /// <summary>
    /// Another CPU makes <paramref name="target"/> work <paramref name="ns"/> on <paramref name="item"/> at once (an IPI's
    /// handler): owed by the target, which pays it at its next quiescent point (<see cref="TakeInterrupts"/>).
    /// </summary>
    void Interrupt(int target, KernelWorkItem item, long ns);

    /// <summary><paramref name="cpu"/> pays the interrupt work owed to it, if any.</summary>
    void TakeInterrupts(int cpu);

    /// <summary><paramref name="cpu"/> has nothing to do for a step: on OS threads it gives the host core away.</summary>
    void Idle(int cpu);
}
