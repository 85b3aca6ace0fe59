using PcpTestbed.Execution.Virtual;

namespace PcpTestbed.Workloads.Faults;

/// <summary>
/// Faults in virtual time, between steps: hotplug takes a CPU out of the machine's queue; work runs as a CPU with
/// <see cref="VirtualMachine.RunAs"/>, timed on that CPU's clock from the machine's time.
/// </summary>
internal sealed class VirtualFaultCpus(VirtualMachine machine) : IFaultCpus
{
    public void TakeOffline(int cpu) => machine.TakeOffline(cpu);

    public void BringOnline(int cpu) => machine.BringOnline(cpu);

    public bool IsFinished(int cpu) => machine.State(cpu) == VirtualCpuState.Finished;

    public bool Run(int cpu, string what, Action<int> work)
    {
        machine.RunAs(cpu, () => work(cpu));
        return true;
    }
}
