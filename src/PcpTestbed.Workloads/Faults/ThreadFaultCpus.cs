using PcpTestbed.Execution.Cpus;
using PcpTestbed.Workloads.Run;

namespace PcpTestbed.Workloads.Faults;

/// <summary>Faults on OS threads: hotplug parks a CPU thread; work is posted to a CPU's mailbox and waited for.</summary>
internal sealed class ThreadFaultCpus(CpuMachine machine, CpuMailbox mailbox) : IFaultCpus
{
    public void TakeOffline(int cpu) => machine.TakeOffline(cpu);

    public void BringOnline(int cpu) => machine.BringOnline(cpu);

    public bool IsFinished(int cpu) => machine.State(cpu) == CpuState.Finished;

    public bool Run(int cpu, string what, Action<int> work) => mailbox.Run(cpu, what, work, machine.QuiescenceTimeout);
}
