using PcpTestbed.Execution.Virtual;

namespace PcpTestbed.Workloads.Work;

/// <summary>
/// Kernel work in virtual time: every item is a charge to the CPU's virtual clock (<see cref="VirtualMachine.Charge"/>),
/// a page clear included (no memory is touched: the cost model has no bandwidth). Interrupt work is owed by its target
/// and charged at the target's next step that takes interrupts, since a step charges only its own CPU. An idle step
/// charges <see cref="IdleNs"/>, so an idle CPU's clock moves by real time, not by the engine's 1 ns minimum step.
/// </summary>
public sealed class VirtualKernelWork(VirtualMachine machine, long idleNs = VirtualKernelWork.DefaultIdleNs) : IKernelWork
{
    /// <summary>An idle step: about a scheduler tick's poll of a queue that had nothing (an estimate, not a measurement).</summary>
    public const long DefaultIdleNs = 1000;

    private readonly long[] _owedNs = new long[machine.CpuCount]; // the engine runs one step at a time: no races

    public string Engine => "virtual";

    public long IdleNs { get; } = idleNs;

    public void Spend(int cpu, KernelWorkItem item, long ns) => Charge(cpu, ns);

    public void ClearPage(int cpu, long ns) => Charge(cpu, ns);

    public void Interrupt(int target, KernelWorkItem item, long ns) => _owedNs[target] += ns;

    public void TakeInterrupts(int cpu)
    {
        var owed = _owedNs[cpu];
        _owedNs[cpu] = 0;
        Charge(cpu, owed);
    }

    public void Idle(int cpu) => Charge(cpu, IdleNs);

    private void Charge(int cpu, long ns)
    {
        if (ns > 0)
        {
            machine.Charge(cpu, ns);
        }
    }
}
