using PcpTestbed.Execution.Virtual;
using PcpTestbed.Workloads.Support;
using PcpTestbed.Workloads.Work;

namespace PcpTestbed.Workloads.Run;

/// <summary>
/// What each CPU does at a step of the virtual machine: the OS-thread CPU loop's quiescent point and step, without the
/// thread. A workload CPU takes the interrupt work owed to it, runs decay_pcp_high() when the vmstat timer has fired
/// since its last step, runs one workload step, then a drain storm's drain_all_pages() and the page cache's growth as
/// on threads. kswapd's CPU runs <see cref="Reclaim.ReclaimModel.KswapdStep"/>, sleeping <see cref="KswapdSleepNs"/>
/// at a time while nobody woke it. The machine runs one step at a time: no field here is shared between threads.
/// </summary>
internal sealed class VirtualCpuSteps
{
    /// <summary>kswapd asleep: how long a step of it lasts (it polls its wake-up this often; an estimate, as an idle step).</summary>
    public const long KswapdSleepNs = VirtualKernelWork.DefaultIdleNs;

    private readonly RunParts _p;
    private readonly VirtualMachine _machine;
    private readonly int _workloadCpus;
    private readonly long _budget;
    private readonly long[] _steps;
    private readonly bool[] _timer;
    private readonly CpuRandom[] _random;
    private readonly int _drainStorm;
    private int _finished;

    public VirtualCpuSteps(RunParts p, VirtualMachine machine)
    {
        _p = p;
        _machine = machine;
        _workloadCpus = p.Options.Cpus;
        _budget = p.Options.OperationsPerCpu ?? long.MaxValue;
        _steps = new long[_workloadCpus];
        _timer = new bool[_workloadCpus];
        _drainStorm = p.Options.Faults.DrainStormPercent;

        // The same per-CPU streams as the OS-thread loop's.
        _random = [.. Enumerable.Range(0, _workloadCpus).Select(cpu => RunParts.DrainStormRandom(p.Options, cpu))];
    }

    /// <summary>Workload steps so far (the operations of <see cref="RunProgress"/>).</summary>
    public long WorkloadSteps => _steps.Sum();

    /// <summary>The vmstat timer: every workload CPU runs decay_pcp_high() at its next step (refresh_cpu_vm_stats(), once a second).</summary>
    public void RaiseTimer() => Array.Fill(_timer, true);

    /// <returns>False when the CPU is done: its operation budget spent, or for kswapd, every workload CPU done.</returns>
    public bool Step(int cpu)
    {
        if (cpu == _p.KswapdCpu)
        {
            if (_finished == _workloadCpus)
            {
                return false;
            }

            if (!_p.Reclaim!.KswapdStep(cpu))
            {
                _machine.Charge(cpu, KswapdSleepNs);
            }

            return true;
        }

        if (_steps[cpu] >= _budget)
        {
            _finished++;
            return false;
        }

        _steps[cpu]++;
        _p.Work.TakeInterrupts(cpu);
        if (_timer[cpu])
        {
            _timer[cpu] = false;
            _p.Allocator.DecayPcpHigh(cpu);
        }

        _p.Workload.Step(cpu);
        if (_drainStorm > 0 && _random[cpu].Percent(_drainStorm))
        {
            _p.Allocator.DrainAllPages(cpu);
        }

        _p.Reclaim?.AfterStep(cpu);
        return true;
    }
}
