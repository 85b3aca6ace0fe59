namespace PcpTestbed.Workloads.Kinds;

/// <summary>
/// A workload's step as a struct the CPU loop is generic over (<see cref="ICpuStepLoop"/>), so the loop is compiled
/// for each workload with the step called directly and inlined where it is small, not through a virtual call.
/// </summary>
public interface IWorkloadSteps
{
    void Step(int cpu);
}
